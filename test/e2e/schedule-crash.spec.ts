import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleService, type Transport } from '../../src/agent/index.js';
import type { ExampleApp } from '../support/example-app.js';
import { principal } from '../support/test-app.js';
import type { TestDatabase } from '../support/test-database.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/api-with-workers.js';

const KILLS = 3;

/** Resolves `offsetMs` after the next whole second: when both nodes are claiming that second's tick. */
const atTick = (offsetMs: number) => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + offsetMs));

describe.each<Transport>(['redis', 'postgres'])('a node killed with SIGKILL on a cron tick, two nodes up (%s transport)', (transport) => {
  let nodes: ApiWithWorkers;
  let db: TestDatabase;
  let api: ExampleApp;

  beforeAll(async () => {
    nodes = await startApiWithWorkers(transport, { apiEnv: { AGENTS_MAINTENANCE: 'off' } });
    ({ db, api } = nodes);
  });

  afterAll(() => nodes?.close());

  it('every tick starts exactly one execution: none lost, none twice', { timeout: 120_000 }, async () => {
    const schedules = api.app.get(ScheduleService);
    const me = principal();
    const schedule = await schedules.create(me, { agentType: 'steps', input: { steps: 1 }, cron: '* * * * * *' });
    const killedOn: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const worker = await nodes.startWorker();
      await atTick(1);
      await atTick(kill); // 1–3 ms into a tick, while its claim is on its way
      const now = Date.now();
      killedOn.push(now - (now % 1000));
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
    // The ticks a node was killed on are there, and so is the one after the last kill.
    for (const tick of killedOn) expect(ticks).toContain(tick);
    expect(ticks.at(-1)).toBeGreaterThan(killedOn.at(-1)!);
    const row = await schedules.get(me, schedule.id);
    expect(row.run_count).toBe(ticks.length);
  });
});
