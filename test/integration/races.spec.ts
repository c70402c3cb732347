import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/agent/index.js';
import { ExecutionRunner } from '../../src/agent/executions/run/execution-runner.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { seedExecution } from '../support/execution-factory.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const ITERATIONS = 200;
const PARALLEL = 10;

/** Runs `race` ITERATIONS times, PARALLEL at once (more contention on the same tables). */
async function repeat(race: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < ITERATIONS; i += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, ITERATIONS - i) }, (_, k) => race(i + k)));
  }
}

const TERMINAL_LOGS = ['completed', 'cancelled', 'failed'];

describe.each<Transport>(['redis', 'postgres'])(`races on the %s transport, ${ITERATIONS} iterations each`, (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let runner: ExecutionRunner;
  const me = principal();

  beforeAll(async () => {
    db = await createTestDatabase();
    // No workers: each race hands the execution to the runner itself, at the same moment as the API call.
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      options: { workers: { enabled: false } },
    });
    runner = t.app.get(ExecutionRunner);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const facts = async (id: string) => {
    const { rows } = await db.sql.query(
      `SELECT e.status, e.step_count, e.output,
         (SELECT count(*)::int FROM agent_messages m WHERE m.execution_id = e.id) AS messages,
         (SELECT array_agg(event_type ORDER BY id) FROM agent_logs l WHERE l.execution_id = e.id AND event_type = ANY($2)) AS ends
       FROM agent_executions e WHERE e.id = $1`,
      [id, [...TERMINAL_LOGS, 'paused', 'resumed']],
    );
    return rows[0] as { status: string; step_count: number; output: unknown; messages: number; ends: string[] | null };
  };

  it('cancel vs natural completion: exactly one terminal status, and logs that agree', async () => {
    const outcomes = new Map<string, number>();
    await repeat(async () => {
      const execution = await t.manager.start(me, 'steps', { steps: 2 });
      const [, cancel] = await Promise.allSettled([runner.run(execution.id), t.manager.cancel(me, execution.id)]);
      const f = await facts(execution.id);
      expect(['completed', 'cancelled']).toContain(f.status);
      expect((f.ends ?? []).filter((e) => TERMINAL_LOGS.includes(e))).toEqual([f.status]);
      expect(f.messages).toBe(f.step_count);
      if (f.status === 'completed') expect(f).toMatchObject({ step_count: 2, output: { steps_done: 2 } });
      if (cancel.status === 'rejected') expect(f.status).toBe('completed'); // 409: it had already completed
      const key = `${f.status}@${f.step_count}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    });
    expect([...outcomes.values()].reduce((a, b) => a + b)).toBe(ITERATIONS);
  });

  it('two concurrent resumes: one wins, one continuation', async () => {
    const queue = t.app.get(ExecutionQueue).queue('agents-default');
    await repeat(async () => {
      const id = await seedExecution(db, { status: 'paused', input: { steps: 1 } });
      const results = await Promise.allSettled([t.manager.resume(me, id), t.manager.resume(me, id)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toMatchObject({ code: 'invalid_transition', details: { current_status: 'pending' } });
      expect((await facts(id)).ends).toEqual(['resumed']);
      expect(await queue.getJob(`${id}-1`)).toBeTruthy();
      const [a, b] = await Promise.all([runner.run(id), runner.run(id)]);
      expect([a.outcome, b.outcome]).toContain('ended');
      expect(await facts(id)).toMatchObject({ status: 'completed', step_count: 1, messages: 1 });
    });
  });

  it('pause vs completion: completed, or paused before its step and then resumable to the exact count', async () => {
    let paused = 0;
    await repeat(async () => {
      const execution = await t.manager.start(me, 'steps', { steps: 1 });
      await Promise.allSettled([runner.run(execution.id), t.manager.pause(me, execution.id)]);
      const f = await facts(execution.id);
      expect(['completed', 'paused']).toContain(f.status);
      if (f.status === 'paused') {
        paused++;
        expect(f.step_count).toBe(0);
        await t.manager.resume(me, execution.id);
        await runner.run(execution.id);
      }
      expect(await facts(execution.id)).toMatchObject({ status: 'completed', step_count: 1, messages: 1 });
    });
    expect(paused).toBeLessThanOrEqual(ITERATIONS);
  });
});
