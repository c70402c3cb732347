import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleService, type Transport } from '../../src/agent/index.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { principal } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const KILLS = 3;

/** Resolves `offsetMs` after the next whole second: when both nodes are claiming that second's tick. */
const atTick = (offsetMs: number) => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + offsetMs));

describe.each<Transport>(['redis', 'postgres'])('a node killed with SIGKILL on a cron tick, two nodes up (%s transport)', (transport) => {
  let db: TestDatabase;
  let api: ExampleApp;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    env = exampleEnv(db, transport);
    api = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX!, { ...env, AGENTS_MAINTENANCE: 'off' });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await api?.close();
    await db?.drop();
  });

  it('every tick starts exactly one execution: none lost, none twice', { timeout: 120_000 }, async () => {
    const schedules = api.app.get(ScheduleService);
    const me = principal();
    const schedule = await schedules.create(me, { agentType: 'steps', input: { steps: 1 }, cron: '* * * * * *' });
    for (let kill = 0; kill < KILLS; kill++) {
      const worker = startWorkerProcess(env);
      workers.push(worker);
      await worker.ready;
      await atTick(1);
      await atTick(kill); // 1–3 ms into a tick, while its claim is on its way
      await worker.stop('SIGKILL');
    }
    await atTick(0);
    await atTick(0);
    await schedules.pause(me, schedule.id);

    const { rows } = await db.sql.query<{ tick: string }>(
      `SELECT metadata->>'schedule_tick' AS tick FROM agent_executions WHERE metadata->>'schedule_id' = $1 ORDER BY 1`,
      [schedule.id],
    );
    const ticks = rows.map((r) => Date.parse(r.tick));
    expect(new Set(ticks).size).toBe(ticks.length);
    // Consecutive seconds from the first tick to the last: none was lost with a killed node.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
    expect(ticks.length).toBeGreaterThan(KILLS * 2);
    const row = await schedules.get(me, schedule.id);
    expect(row.run_count).toBe(ticks.length);
  });
});
