import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step, type AgentDefinition, type JsonValue, type Transport } from '../../src/agent/index.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/**
 * Five steps; each adds a message naming its step and the input it saw, and keeps a trail of the
 * inputs in its data (odd steps only: even steps leave the data as it was).
 */
const counter: AgentDefinition = {
  name: 'counter',
  version: '3',
  step: async (state) => {
    const n = state.stepCount + 1;
    const trail = (state.data.trail as JsonValue[] | undefined) ?? [];
    const messages = [{ role: 'assistant' as const, content: `step ${n} of ${JSON.stringify(state.input)}` }];
    const data = n % 2 === 1 ? { trail: [...trail, state.input] } : undefined;
    if (n < 5) return step.continue({ messages, data });
    return step.done({ seen: state.messages.map((m) => m.content), trail: (data ?? state.data).trail as JsonValue }, { messages, data });
  },
};

describe.each<Transport>(['redis', 'postgres'])('replay and fork on the %s transport', { timeout: 60_000 }, (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  const me = principal();
  const http = () => request(t.app.getHttpServer());
  const finished = async (id: string) => {
    const row = await waitForStatus(t, db, id, ['completed', 'failed']);
    expect(row.status).toBe('completed');
    return row.output as { seen: string[]; trail: JsonValue[] };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      agents: [counter],
      options: { tiers: { tiny: { maxConcurrent: 5, perHour: 2 } } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  let original: string;

  it('starts a fork from step N with the messages and data of step N and another input, linked to the original', async () => {
    original = (await t.manager.start(me, 'counter', 'a')).id;
    const first = await finished(original);
    expect(first.seen).toEqual(['step 1 of "a"', 'step 2 of "a"', 'step 3 of "a"', 'step 4 of "a"']);

    const forked = await http().post(`/api/agents/${original}/fork`).send({ step: 2, input: 'b' }).expect(201);
    expect(forked.body).toMatchObject({
      agent_type: 'counter',
      agent_version: '3',
      forked_from_execution_id: original,
      forked_from_step: 2,
      step_count: 2,
      input: 'b',
    });
    const output = await finished(forked.body.id);
    expect(output.seen).toEqual(['step 1 of "a"', 'step 2 of "a"', 'step 3 of "b"', 'step 4 of "b"']);
    // Step 2 left the data of step 1 (even steps change nothing): the fork starts from it.
    expect(output.trail).toEqual(['a', 'b', 'b']);
    const shown = await http().get(`/api/agents/${forked.body.id}`).expect(200);
    expect(shown.body).toMatchObject({ forked_from_execution_id: original, forked_from_step: 2, step_count: 5 });
    // The original is untouched.
    const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM agent_messages WHERE execution_id = $1', [original]);
    expect(rows[0].n).toBe(5);

    // A fork of the fork can go back to a step it inherited, or to one of its own.
    const again = await t.manager.fork(me, forked.body.id, { step: 3, input: 'c' });
    expect((await finished(again.id)).seen).toEqual(['step 1 of "a"', 'step 2 of "a"', 'step 3 of "b"', 'step 4 of "c"']);
  });

  it('replays from step 0 with the same input: the same run again', async () => {
    const replay = await t.manager.fork(me, original, { step: 0 });
    expect(replay).toMatchObject({ forkedFromExecutionId: original, forkedFromStep: 0, stepCount: 0, input: 'a' });
    expect(await finished(replay.id)).toEqual(
      await db.sql.query('SELECT output FROM agent_executions WHERE id = $1', [original]).then((r) => r.rows[0].output),
    );
  });

  it('forks a run that is still waiting', async () => {
    const parked = await t.manager.start(me, 'counter', 'p', { awaitEvent: { eventType: 'never' } });
    const fromStart = await t.manager.fork(me, parked.id, { step: 0 });
    expect(fromStart.status).toBe('pending');
    await finished(fromStart.id);
  });

  it('answers 400 for a bad step and 404 for an execution the caller cannot see', async () => {
    const beyond = await http().post(`/api/agents/${original}/fork`).send({ step: 6 }).expect(400);
    expect(beyond.body.message).toMatch(/step 6 is beyond/);
    await http().post(`/api/agents/${original}/fork`).send({ step: -1 }).expect(400);
    await http().post(`/api/agents/${original}/fork`).send({ step: 1.5 }).expect(400);
    await http().post(`/api/agents/${original}/fork`).send({ step: 'two' }).expect(400);
    await http().post(`/api/agents/${original}/fork`).send({}).expect(400);
    await http().post(`/api/agents/${original}/fork`).send({ step: 1, extra: true }).expect(400);
    await http().post(`/api/agents/not-a-uuid/fork`).send({ step: 1 }).expect(400);
    await http().post(`/api/agents/01900000-0000-7000-8000-000000000000/fork`).send({ step: 1 }).expect(404);

    const theirs = await t.manager.start(principal('u2'), 'counter', 'x');
    await finished(theirs.id);
    await http().post(`/api/agents/${theirs.id}/fork`).send({ step: 1 }).expect(404);
    await expect(t.manager.fork(principal('u1', 't2'), theirs.id, { step: 1 })).rejects.toMatchObject({ code: 'execution_not_found' });
    // Nothing was created by the refused forks.
    const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM agent_executions WHERE forked_from_execution_id IS NOT NULL');
    expect(rows[0].n).toBe(4);
  });

  it('admits a fork like any start: the tier’s hourly limit counts it', async () => {
    const limited = principal('u3', 't1', 'tiny');
    const first = await t.manager.start(limited, 'counter', 'l');
    await finished(first.id);
    await finished((await t.manager.fork(limited, first.id, { step: 1 })).id);
    await expect(t.manager.fork(limited, first.id, { step: 1 })).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
