import type { MigrationInterface, QueryRunner } from 'typeorm';
import { HOOK_OUTBOX_FUNCTION as BEFORE } from './1795560000000-Hooks.js';
import { replacedIn } from './replaced-in.js';

/**
 * One id per delivery. The outbox drew its delivery ids from `LATERAL (SELECT gen_random_uuid())`,
 * a subquery that depends on nothing of the hook row, so PostgreSQL ran it once per statement:
 * an execution with two hooks for one event gave both deliveries the same id, and the status
 * change that owed them failed on the primary key (the run never ended). The id is now drawn in
 * the select list of the hooks' own subquery, once per hook (a volatile target keeps that subquery
 * from being flattened, so the delivery's id and its payload's `id` stay one value).
 */
const HOOK_OUTBOX_FUNCTION = replacedIn(
  'HookDeliveryIds',
  BEFORE,
  ['CREATE FUNCTION agents_hook_outbox()', 'CREATE OR REPLACE FUNCTION agents_hook_outbox()'],
  ["hook_event, h->>'url',", "hook_event, d.h->>'url',"],
  [
    `FROM jsonb_array_elements(NEW.hooks) AS h, LATERAL (SELECT gen_random_uuid() AS id) AS d
              WHERE NOT (h ? 'events') OR (h->'events') ? hook_event;`,
    `FROM (SELECT h, gen_random_uuid() AS id FROM jsonb_array_elements(NEW.hooks) AS h
                    WHERE NOT (h ? 'events') OR (h->'events') ? hook_event) AS d;`,
  ],
);

export class HookDeliveryIds1795640000000 implements MigrationInterface {
  name = 'HookDeliveryIds1795640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(HOOK_OUTBOX_FUNCTION);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(BEFORE.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}
