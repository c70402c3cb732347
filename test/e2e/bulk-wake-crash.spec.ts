import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTriggerService, type Transport } from '../../src/agent/index.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { RecoveryService } from '../../src/agent/executions/lifecycle/recovery.service.js';
import { principal } from '../support/test-app.js';
import type { ExampleApp } from '../support/example-app.js';
import type { TestDatabase } from '../support/test-database.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/api-with-workers.js';

const LEASE_TIMEOUT_MS = 1500;
const WOKEN = 1200;
const STEPS = 3;

describe.each<Transport>(['redis', 'postgres'])(
  'a worker killed with SIGKILL in the middle of wake batches (%s transport)',
  (transport) => {
    let nodes: ApiWithWorkers;
    let db: TestDatabase;
    let api: ExampleApp;

    beforeAll(async () => {
      nodes = await startApiWithWorkers(transport, {
        env: { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) },
        apiEnv: { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off' },
        connections: 'many',
      });
      ({ db, api } = nodes);
    });

    afterAll(() => nodes?.close());

    const count = async (sql: string, params: unknown[] = []) => (await db.sql.query(sql, params)).rows[0].n as number;

    it(
      'loses nothing: leased runs are taken over, unleased ones found, and every execution completes exactly once',
      { timeout: 150_000 },
      async () => {
        const triggers = api.app.get(EventTriggerService);
        const ids: string[] = [];
        for (let i = 0; i < WOKEN; i += 50) {
          const parked = await Promise.all(
            Array.from({ length: 50 }, () => triggers.startAwaitingEvent(principal(), 'steps', { steps: STEPS, step_ms: 200 }, 'crash.go')),
          );
          ids.push(...parked.map((e) => e.id));
        }
        expect(await triggers.triggerEvent('crash.go', {}, { tenantId: 't1' })).toEqual({ triggered_count: WOKEN });

        // Two batch jobs are lost before any worker runs (the rows stay `pending`, with no job).
        const queue = api.app.get(ExecutionQueue).queue('agents-default');
        const batches = (await queue.getJobs(['waiting', 'prioritized'])).filter((j) => j && 'executionIds' in j.data);
        expect(batches).toHaveLength(10);
        for (const job of batches.slice(0, 2)) await job.remove();

        const first = await nodes.startWorker();
        await expect
          .poll(() => count(`SELECT count(*)::int AS n FROM agent_logs WHERE event_type = 'step_completed'`), {
            timeout: 30_000,
            interval: 20,
          })
          .toBeGreaterThanOrEqual(100);
        await first.stop('SIGKILL');
        const atCrash = await count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'running'`, [ids]);
        expect(atCrash).toBeGreaterThan(0);

        const second = await nodes.startWorker();
        // The recovery sweep (a cron in production) runs every second here.
        const recovery = api.app.get(RecoveryService);
        await expect
          .poll(
            async () => {
              await recovery.recoverStuck(LEASE_TIMEOUT_MS);
              return count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'completed'`, [ids]);
            },
            { timeout: 90_000, interval: 1000 },
          )
          .toBe(WOKEN);

        expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND step_count <> $2`, [ids, STEPS])).toBe(
          0,
        );
        // No step committed twice: each step's log once, the history the event and one answer per step, in order.
        const repeated = await db.sql.query(
          `SELECT execution_id, step_number FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'step_completed'
       GROUP BY 1, 2 HAVING count(*) > 1`,
          [ids],
        );
        expect(repeated.rows).toEqual([]);
        expect(
          await count(`SELECT count(*)::int AS n FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'step_completed'`, [ids]),
        ).toBe(WOKEN * STEPS);
        const gaps = await db.sql.query(
          `SELECT execution_id FROM agent_messages WHERE execution_id = ANY($1)
       GROUP BY 1 HAVING count(*) <> $2 OR min(seq) <> 1 OR max(seq) <> $2`,
          [ids, STEPS + 1],
        );
        expect(gaps.rows).toEqual([]);
        await second.stop();
      },
    );
  },
);
