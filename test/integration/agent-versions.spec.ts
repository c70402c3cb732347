import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { step, type AgentDefinition, type Transport } from '../../src/agent/index.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** One agent type in several versions: the first step asks for input, the second says which code ran it. */
const versioned = (version?: string): AgentDefinition => ({
  name: 'versioned',
  ...(version ? { version } : {}),
  step: async (state) => (state.stepCount === 0 ? step.awaitInput('go?') : step.done({ ran: version ?? 'default' })),
});

/** Polls the row until `done` says so (other nodes' commits reach this process's events only over the bridge). */
async function rowWhen(db: TestDatabase, id: string, done: (row: Record<string, unknown>) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.sql.query('SELECT * FROM agent_executions WHERE id = $1', [id]);
    if (rows[0] && done(rows[0])) return rows[0];
    if (Date.now() > deadline) throw new Error(`execution ${id} never matched; now ${JSON.stringify(rows[0])}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('agent versions at boot', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses two definitions of one type under the same version', async () => {
    await expect(
      startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), agents: [versioned('2'), versioned('2')] }),
    ).rejects.toThrow(/agent type 'versioned' version '2' is registered twice/);
  });

  it('refuses a version that is not a short name', async () => {
    await expect(
      startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), agents: [versioned('two words')] }),
    ).rejects.toThrow(/version "two words" must be/);
  });
});

describe.each<Transport>(['redis', 'postgres'])('agent versions on the %s transport', { timeout: 60_000 }, (transport) => {
  let db: TestDatabase;
  const queuePrefix = uniquePrefix();
  const me = principal();
  const admin = { ...me, roles: ['admin'] };
  const apps: TestApp[] = [];
  const node = async (agents: AgentDefinition[], lifecycle: Record<string, number> = {}) => {
    const t = await startTestApp({ transport, db, queuePrefix, agents, options: { lifecycle, resolvePrincipal: () => admin } });
    apps.push(t);
    return t;
  };
  const stop = async (t: TestApp) => {
    apps.splice(apps.indexOf(t), 1);
    await t.close();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  // A failed case leaves no node behind to run the next case's executions.
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('records the version that started a run and keeps running it while a newer one is deployed beside it', async () => {
    const old = await node([versioned()]);
    const parked = await old.manager.start(me, 'versioned', {});
    expect(parked.agentVersion).toBe('1');
    await rowWhen(db, parked.id, (r) => r.status === 'awaiting_input');
    await stop(old);

    // The deploy: both versions on the new node. New starts take the highest; the parked run keeps its own.
    const both = await node([versioned('10'), versioned('1'), versioned('9')]);
    const fresh = await both.manager.start(me, 'versioned', {});
    expect(fresh.agentVersion).toBe('10');
    await rowWhen(db, fresh.id, (r) => r.status === 'awaiting_input');
    await both.manager.sendInput(me, fresh.id, 'go');
    await both.manager.sendInput(me, parked.id, 'go');
    expect((await rowWhen(db, parked.id, (r) => r.status === 'completed')).output).toEqual({ ran: '1' }); // a definition without a version is version '1'
    expect((await rowWhen(db, fresh.id, (r) => r.status === 'completed')).output).toEqual({ ran: '10' });

    const view = await request(both.app.getHttpServer()).get(`/api/agents/${parked.id}`).expect(200);
    expect(view.body.agent_version).toBe('1');
    // The admin API (the whole tenant) shows it too.
    const admin = await request(both.app.getHttpServer()).get('/api/admin/agents').query({ agent_type: 'versioned' }).expect(200);
    expect(admin.body.data.map((e: { agent_version: string }) => e.agent_version).sort()).toEqual(['1', '10']);
    await stop(both);
  });

  it('hands a run back while another node may have its version, and that node runs it (a rolling deploy)', async () => {
    const old = await node([versioned('1')]);
    const parked = await old.manager.start(me, 'versioned', {});
    await rowWhen(db, parked.id, (r) => r.status === 'awaiting_input');
    await stop(old);

    // Only the new version here: the run is handed back, not run on the new code, not failed.
    const upgraded = await node([versioned('2')], { versionGoneAfterSeconds: 120, versionRetryDelayMs: 200 });
    await upgraded.manager.sendInput(me, parked.id, 'go');
    await rowWhen(db, parked.id, (r) => r.version_missing_since !== null);
    // The mark and the hand-back (with its log) are two commits: the log may come a moment after the mark.
    const versionMissingLogs = async () =>
      (await db.sql.query(`SELECT * FROM agent_logs WHERE execution_id = $1 AND event_type = 'version_missing'`, [parked.id])).rows;
    await expect.poll(async () => (await versionMissingLogs()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await versionMissingLogs())[0].context.registered_versions).toEqual(['2']);

    // A node that still has version 1 comes up (or had not been upgraded yet): it takes the run.
    const lagging = await node([versioned('1')]);
    const done = await rowWhen(db, parked.id, (r) => r.status === 'completed', 30_000);
    expect(done.output).toEqual({ ran: '1' });
    expect(done.version_missing_since).toBeNull();
    await stop(lagging);
    await stop(upgraded);
  });

  it('fails a run whose version no node has had for the grace period with agent_version_gone', async () => {
    const old = await node([versioned('1')]);
    const parked = await old.manager.start(me, 'versioned', {});
    await rowWhen(db, parked.id, (r) => r.status === 'awaiting_input');
    await stop(old);

    const upgraded = await node([versioned('2')], { versionGoneAfterSeconds: 1, versionRetryDelayMs: 100 });
    await upgraded.manager.sendInput(me, parked.id, 'go');
    const failed = await rowWhen(db, parked.id, (r) => r.status === 'failed', 30_000);
    expect(failed.error).toMatchObject({ code: 'agent_version_gone' });
    expect(failed.step_count).toBe(1);
    expect(failed.output).toBeNull();
    const view = await request(upgraded.app.getHttpServer()).get(`/api/agents/${parked.id}`).expect(200);
    expect(view.body).toMatchObject({ agent_version: '1', status: 'failed', error: { code: 'agent_version_gone' } });
    await stop(upgraded);
  });

  it('treats a node that does not know the type at all the same way, then fails the run with unknown_agent_type', async () => {
    const old = await node([versioned('1')]);
    const parked = await old.manager.start(me, 'versioned', {});
    await rowWhen(db, parked.id, (r) => r.status === 'awaiting_input');
    await stop(old);

    const other = await node([{ name: 'other', step: async () => step.done(null) }], {
      versionGoneAfterSeconds: 1,
      versionRetryDelayMs: 100,
    });
    await other.manager.sendInput(me, parked.id, 'go');
    const failed = await rowWhen(db, parked.id, (r) => r.status === 'failed', 30_000);
    expect(failed.error).toMatchObject({ code: 'unknown_agent_type' });
    const { rows } = await db.sql.query(
      `SELECT count(*)::int AS n FROM agent_logs WHERE execution_id = $1 AND event_type = 'version_missing'`,
      [parked.id],
    );
    expect(rows[0].n).toBeGreaterThan(0);
  });
});
