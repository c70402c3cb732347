import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/agent/index.js';
import type { ExampleApp } from '../support/example-app.js';
import type { TestDatabase } from '../support/test-database.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/api-with-workers.js';

describe.each<Transport>(['redis', 'postgres'])('a tool approval across a worker killed with SIGKILL (%s transport)', (transport) => {
  let nodes: ApiWithWorkers;
  let db: TestDatabase;
  let api: ExampleApp;

  beforeAll(async () => {
    nodes = await startApiWithWorkers(transport, { apiEnv: { AGENTS_WORKERS: 'off' } });
    ({ db, api } = nodes);
  });

  afterAll(() => nodes?.close());

  const row = async (id: string) => (await db.sql.query('SELECT status, output FROM agent_executions WHERE id = $1', [id])).rows[0];
  const logs = async (id: string) =>
    (await db.sql.query('SELECT event_type, context FROM agent_logs WHERE execution_id = $1 ORDER BY id', [id])).rows;

  it('stays parked with nothing held, and the approval given meanwhile runs the tool once on the next worker', async () => {
    const auth = `Bearer ${api.token({})}`;
    const http = () => request(api.app.getHttpServer());
    const started = await http()
      .post('/api/agents')
      .set('authorization', auth)
      .send({ agent_type: 'code-assistant', input: { prompt: 'Please run the tests' } });
    expect(started.status).toBe(201);
    const id = started.body.id as string;

    const first = await nodes.startWorker();
    await expect.poll(async () => (await row(id)).status, { timeout: 20_000, interval: 50 }).toBe('awaiting_input');
    await first.stop('SIGKILL');

    const parked = await http().get(`/api/agents/${id}`).set('authorization', auth);
    expect(parked.body.pending_approvals).toMatchObject([{ tool_name: 'run_tests', input: { filter: 'Please run the tests' } }]);
    const approved = await http()
      .post(`/api/agents/${id}/approvals/${parked.body.pending_approvals[0].approval_id}`)
      .set('authorization', auth)
      .send({ approved: true, reason: 'CI is green' });
    expect(approved.status).toBe(202);
    expect((await row(id)).status).toBe('pending');

    const second = await nodes.startWorker();
    await expect.poll(async () => (await row(id)).status, { timeout: 30_000, interval: 100 }).toBe('completed');
    expect((await row(id)).output).toContain('1 passed');

    const types = (await logs(id)).map((l) => l.event_type);
    expect(types.filter((t) => t === 'tool.approval_requested')).toHaveLength(1);
    expect(types.filter((t) => t === 'tool.approval_decided')).toHaveLength(1);
    const runs = (await logs(id)).filter((l) => l.event_type === 'tool_completed' && l.context.toolName === 'run_tests');
    expect(runs.map((l) => l.context.ok)).toEqual([true]);
    await second.stop();
  });
});
