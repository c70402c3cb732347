import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ADMIT_FUNCTION as COUNTING_EVERY_QUEUED } from './1795540000000-ConcurrencyKeys.js';

/** The most queued executions of its tenant a start counts for its queue priority. */
const TENANT_QUEUED_COUNTED = 256;

const EVERY_QUEUED = `(SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND queue = $5 AND status = 'pending')::int AS tenant_queued`;
const AT_MOST_COUNTED = `(SELECT count(*) FROM (
          SELECT 1 FROM agent_executions WHERE tenant_id = $2 AND queue = $5 AND status = 'pending' LIMIT ${TENANT_QUEUED_COUNTED}
        ) queued)::int AS tenant_queued`;

/** `agents_admit` as this migration leaves it; LeanerAdmission1795610000000 derives its own from it. */
export const ADMIT_FUNCTION = COUNTING_EVERY_QUEUED.replace(EVERY_QUEUED, AT_MOST_COUNTED);

/**
 * A start's cost no longer grows with its tenant's backlog.
 *
 * `agents_admit` counted every queued execution of the start's tenant and queue (its BullMQ
 * priority, for fairness across tenants), under the user's lock: with a backlog of N runs each start
 * read N rows. It now counts at most 256: a tenant with fewer queued still goes ahead of one with
 * more, and tenants with 256 or more queued share the last priority (among themselves, first come
 * first served). Measured on 2 cores, PostgreSQL 15: the count took 0.75 ms with 3,200 queued and
 * 45 ms with 100,000 (a parallel sequential scan); counting at most 256, 0.55 ms with 100,000.
 */
export class BoundedTenantQueue1795600000000 implements MigrationInterface {
  name = 'BoundedTenantQueue1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(ADMIT_FUNCTION);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(COUNTING_EVERY_QUEUED);
  }
}
