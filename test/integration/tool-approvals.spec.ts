import { jsonSchema, tool } from 'ai';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenAiCompatibleModel,
  createScriptedModel,
  defineLlmAgent,
  ExecutionEventName,
  type ExecutionEvent,
  type Principal,
  type ScriptedTurn,
  type Transport,
} from '../../src/agent/index.js';
import { AgentsClient } from '../../client/index.js';
import { startFakeOpenAiServer, textAnswer, toolCallAnswer, type FakeOpenAiServer } from '../support/fake-openai-server.js';
import { readSse } from '../support/sse.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** Every call of the tools, by target: a tool must run exactly once per approval. */
const deployed: string[] = [];

const deployTool = tool({
  description: 'Deploys a service',
  inputSchema: jsonSchema<{ target: string }>({ type: 'object', properties: { target: { type: 'string' } }, required: ['target'] }),
  needsApproval: true,
  execute: async ({ target }) => {
    deployed.push(target);
    return `deployed ${target}`;
  },
});

/** Asks to deploy each comma-separated target of the prompt, then reports what the tools answered. */
const deployer = defineLlmAgent({
  name: 'deployer',
  system: 'You deploy what you are asked to.',
  model: createScriptedModel({
    script: (call, turn): ScriptedTurn => {
      if (turn === 0) return { toolCalls: call.lastUserText.split(',').map((target) => ({ toolName: 'deploy', input: { target } })) };
      return { text: `Results: ${JSON.stringify(call.toolResults)}` };
    },
  }),
  tools: { deploy: deployTool },
});

describe.each<Transport>(['redis', 'postgres'])('tool approvals on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let base: string;
  const me = principal('ada');
  const sockets: Socket[] = [];

  /** `x-user` picks the caller (default `ada`), `x-admin` gives it the admin role. */
  const resolvePrincipal = (req: unknown): Principal => {
    const headers = (req as { headers: Record<string, string | undefined> }).headers;
    return { ...principal(headers['x-user'] ?? 'ada'), roles: headers['x-admin'] ? ['admin'] : [] };
  };

  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await startFakeOpenAiServer();
    const weather = defineLlmAgent({
      name: 'weather',
      system: 'You know the weather.',
      model: () => createOpenAiCompatibleModel({ baseURL: fake.baseURL, model: 'fake-gpt' }),
      tools: {
        lookup_weather: tool({
          description: 'Looks the weather up',
          inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
          needsApproval: true,
          execute: async ({ city }) => `sunny in ${city}`,
        }),
      },
    });
    t = await startTestApp({ transport, db, queuePrefix: uniquePrefix(), agents: [deployer, weather], options: { resolvePrincipal } });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
    await fake?.close();
    await db?.drop();
  });

  const http = () => request(t.app.getHttpServer());
  const decide = (id: string, approvalId: string, body: object, user?: string) => {
    const req = http().post(`/api/agents/${id}/approvals/${approvalId}`).send(body);
    return user ? req.set('x-user', user) : req;
  };
  const view = async (id: string) => (await http().get(`/api/agents/${id}`)).body;
  const messagesOf = async (id: string) =>
    (await db.sql.query('SELECT role, content FROM agent_messages WHERE execution_id = $1 ORDER BY seq', [id])).rows;
  const logsOf = async (id: string, eventType: string) =>
    (
      await db.sql.query('SELECT context FROM agent_logs WHERE execution_id = $1 AND event_type = $2 ORDER BY id', [id, eventType])
    ).rows.map((r) => r.context);
  const ranFor = (target: string) => deployed.filter((d) => d === target).length;

  /** Starts a deployment of `targets` and waits until it is parked on their approvals. */
  async function parked(targets: string) {
    const execution = await t.manager.start(me, 'deployer', targets);
    await waitForStatus(t, db, execution.id, ['awaiting_input', 'failed', 'completed']);
    const shown = await view(execution.id);
    expect(shown.status).toBe('awaiting_input');
    return { id: execution.id, approvals: shown.pending_approvals as Array<{ approval_id: string; input: { target: string } }> };
  }

  it('parks with the pending call in the REST view, the logs, Socket.IO and SSE', async () => {
    const socket = io(`${base}/agents`, { transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const live: Array<{ execution_id: string; event_type: string; context: Record<string, unknown> }> = [];
    socket.on('log.appended', (payload) => live.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const events: ExecutionEvent[] = [];
    const stop = t.events.subscribe((e) => events.push(e));

    const { id, approvals } = await parked(`${transport}-web`);
    stop();

    const shown = await view(id);
    expect(shown.pending_approvals).toEqual([
      {
        approval_id: expect.stringMatching(/\S/),
        tool_call_id: expect.stringMatching(/\S/),
        tool_name: 'deploy',
        input: { target: `${transport}-web` },
        requested_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(shown.metadata).not.toHaveProperty('pending_approvals');
    const admin = await http().get(`/api/admin/agents/${id}`).set('x-admin', '1');
    expect(admin.body.pending_approvals).toEqual(shown.pending_approvals);

    const [approval] = approvals;
    const expected = { approvalId: approval.approval_id, toolCallId: shown.pending_approvals[0].tool_call_id, toolName: 'deploy' };
    expect(await logsOf(id, 'tool.approval_requested')).toEqual([{ ...expected, input: { target: `${transport}-web` } }]);
    expect(
      events.some(
        (e) => e.name === ExecutionEventName.LogAppended && e.executionId === id && e.log.event_type === 'tool.approval_requested',
      ),
    ).toBe(true);
    await expect
      .poll(() => live.find((l) => l.execution_id === id && l.event_type === 'tool.approval_requested')?.context)
      .toMatchObject(expected);

    const sse = await readSse(`${base}/api/agents/${id}/stream`, {}, (e) => e.data.event_type === 'tool.approval_requested');
    expect(sse.events.find((e) => e.data.event_type === 'tool.approval_requested')?.data.context).toMatchObject(expected);
    expect(ranFor(`${transport}-web`)).toBe(0);
  });

  it('runs an approved call once, in the next step, and the model gets its result', async () => {
    const target = `${transport}-api`;
    const { id, approvals } = await parked(target);

    const answer = await decide(id, approvals[0].approval_id, { approved: true });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ id, status: 'pending', pending_approvals: [] });

    const done = await waitForStatus(t, db, id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(ranFor(target)).toBe(1);
    expect(done.output).toContain(`deployed ${target}`);
    expect(await logsOf(id, 'tool.approval_decided')).toEqual([
      { approvalId: approvals[0].approval_id, toolCallId: expect.any(String), toolName: 'deploy', approved: true, status: 'pending' },
    ]);
    expect((await messagesOf(id)).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant']);
  });

  it('gives a denied call the denial, with its reason, as the tool result', async () => {
    const target = `${transport}-db`;
    const { id, approvals } = await parked(target);

    const answer = await decide(id, approvals[0].approval_id, { approved: false, reason: 'Not during the freeze' });
    expect(answer.status).toBe(202);

    const done = await waitForStatus(t, db, id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(ranFor(target)).toBe(0);
    expect(done.output).toContain('execution-denied');
    expect(done.output).toContain('Not during the freeze');
    expect(await logsOf(id, 'tool.approval_decided')).toMatchObject([{ approved: false, reason: 'Not during the freeze' }]);
  });

  it('lets exactly one of two decisions at once win; the other gets 409 and changes nothing', async () => {
    const target = `${transport}-race`;
    const { id, approvals } = await parked(target);
    const approvalId = approvals[0].approval_id;

    // Eight at once, alternating approve and deny.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => decide(id, approvalId, { approved: i % 2 === 0 })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409, 409, 409, 409]);
    expect(answers.find((a) => a.status === 409)!.body).toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/not awaiting a decision/),
      details: { code: 'approval_not_pending' },
    });

    const done = await waitForStatus(t, db, id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const won = answers.findIndex((a) => a.status === 202) % 2 === 0;
    expect(ranFor(target)).toBe(won ? 1 : 0);
    expect(await logsOf(id, 'tool.approval_decided')).toHaveLength(1);
    expect((await messagesOf(id)).filter((m) => m.role === 'tool')).toHaveLength(2); // the decision and the result it led to
  });

  it('waits for every call of the step and resumes once, when the last one is decided', async () => {
    const { id, approvals } = await parked(`${transport}-a,${transport}-b`);
    expect(approvals.map((a) => a.input.target)).toEqual([`${transport}-a`, `${transport}-b`]);

    const first = await decide(id, approvals[0].approval_id, { approved: true });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'awaiting_input', pending_approvals: [{ approval_id: approvals[1].approval_id }] });
    expect(ranFor(`${transport}-a`)).toBe(0);

    const last = await decide(id, approvals[1].approval_id, { approved: false, reason: 'one at a time' });
    expect(last.body).toMatchObject({ status: 'pending', pending_approvals: [] });
    const done = await waitForStatus(t, db, id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect([ranFor(`${transport}-a`), ranFor(`${transport}-b`)]).toEqual([1, 0]);
    expect(done.output).toContain(`deployed ${transport}-a`);
    expect(done.output).toContain('one at a time');
    // Only the decision that ended the wait changed the status (a replay from the logs says the same).
    expect((await logsOf(id, 'tool.approval_decided')).map((c) => c.status)).toEqual([undefined, 'pending']);
  });

  it('answers 409 to a decision after a cancel, and to input while calls await approval', async () => {
    const { id, approvals } = await parked(`${transport}-cancelled`);

    const input = await http().post(`/api/agents/${id}/input`).send({ input: 'go on' });
    expect(input.status).toBe(409);
    expect(input.body).toMatchObject({
      message: expect.stringMatching(/waits for tool approvals/),
      details: { code: 'approvals_pending' },
    });
    expect((await view(id)).pending_approvals).toHaveLength(1);

    expect((await http().post(`/api/agents/${id}/cancel`).send({})).status).toBe(200);
    const before = await messagesOf(id);
    const late = await decide(id, approvals[0].approval_id, { approved: true });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      message: expect.stringMatching(/decided already or the execution is cancelled/),
      details: { code: 'approval_not_pending', current_status: 'cancelled' },
    });
    expect(await messagesOf(id)).toEqual(before);
    expect(await view(id)).toMatchObject({ status: 'cancelled', pending_approvals: [] });
    expect(ranFor(`${transport}-cancelled`)).toBe(0);
  });

  it('parks a conversation turn on an approval, and the turn joins the history once decided', async () => {
    const started = await http()
      .post('/api/conversations')
      .send({ agent_type: 'deployer', message: `${transport}-chat` });
    expect(started.status).toBe(201);
    const id = started.body.execution_id as string;
    await waitForStatus(t, db, id, ['awaiting_input', 'failed', 'completed']);
    const [approval] = (await view(id)).pending_approvals;
    expect(approval).toMatchObject({ tool_name: 'deploy', input: { target: `${transport}-chat` } });

    expect((await decide(id, approval.approval_id, { approved: true })).status).toBe(202);
    expect((await waitForStatus(t, db, id, ['completed', 'failed'])).status).toBe('completed');
    expect(ranFor(`${transport}-chat`)).toBe(1);
    await expect.poll(async () => (await http().get(`/api/conversations/${started.body.conversation.id}`)).body.turn_count).toBe(1);
    const conversation = (await http().get(`/api/conversations/${started.body.conversation.id}`)).body;
    expect(conversation.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(JSON.stringify(conversation.messages[1].content)).toContain(`deployed ${transport}-chat`);
  });

  it("sends an OpenAI-compatible provider the denied call with the denial as the call's result", async () => {
    fake.reset();
    fake.handlers.push(toolCallAnswer, textAnswer);
    const execution = await t.manager.start(me, 'weather', 'Weather in Paris?');
    await waitForStatus(t, db, execution.id, ['awaiting_input', 'failed']);
    const [approval] = (await view(execution.id)).pending_approvals;
    expect(approval).toMatchObject({ tool_name: 'lookup_weather', tool_call_id: 'call_1', input: { city: 'Paris' } });

    expect((await decide(execution.id, approval.approval_id, { approved: false, reason: 'No lookups today' })).status).toBe(202);
    expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      output: 'It is sunny in Paris.',
    });
    // The second request carries the call and its result, nothing of the approval parts the provider does not know.
    const messages = fake.requests[1].messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(messages[2].tool_calls).toMatchObject([{ id: 'call_1', function: { name: 'lookup_weather' } }]);
    expect(messages[3]).toMatchObject({ tool_call_id: 'call_1', content: expect.stringContaining('No lookups today') });
  });

  it('decides through the typed client, whose errors carry the status', async () => {
    const client = new AgentsClient({ baseUrl: base });
    try {
      const { id } = await parked(`${transport}-client`);
      const shown = await client.get(id);
      expect(shown.pending_approvals).toMatchObject([{ tool_name: 'deploy', input: { target: `${transport}-client` } }]);
      const decided = await client.decideToolApproval(id, shown.pending_approvals[0].approval_id, { approved: false, reason: 'no' });
      expect(decided).toMatchObject({ status: 'pending', pending_approvals: [] });
      await expect(client.decideToolApproval(id, shown.pending_approvals[0].approval_id, { approved: true })).rejects.toMatchObject({
        statusCode: 409,
      });
      expect((await waitForStatus(t, db, id, ['completed', 'failed'])).status).toBe('completed');
      expect(ranFor(`${transport}-client`)).toBe(0);
    } finally {
      client.close();
    }
  });

  it('answers bad requests with 400 or 404 and changes nothing; admins decide for their tenant', async () => {
    const { id, approvals } = await parked(`${transport}-rest`);
    const approvalId = approvals[0].approval_id;
    const bad: Array<[string, object, number, string?]> = [
      [`/api/agents/not-a-uuid/approvals/${approvalId}`, { approved: true }, 400],
      [`/api/agents/${id}/approvals/${'x'.repeat(201)}`, { approved: true }, 400],
      [`/api/agents/${id}/approvals/a%20b`, { approved: true }, 400],
      [`/api/agents/${id}/approvals/${approvalId}`, {}, 400],
      [`/api/agents/${id}/approvals/${approvalId}`, { approved: 'yes' }, 400],
      [`/api/agents/${id}/approvals/${approvalId}`, { approved: true, reason: 7 }, 400],
      [`/api/agents/${id}/approvals/${approvalId}`, { approved: true, extra: 1 }, 400],
      [`/api/agents/${id}/approvals/aitxt-unknown`, { approved: true }, 404, 'approval_not_found'],
      [`/api/agents/0190a0a0-0000-7000-8000-000000000000/approvals/${approvalId}`, { approved: true }, 404, 'execution_not_found'],
    ];
    for (const [path, body, status, error] of bad) {
      const answer = await http().post(path).send(body);
      expect([path, answer.status]).toEqual([path, status]);
      if (error) expect(answer.body.details.code).toBe(error);
    }
    const malformed = await http()
      .post(`/api/agents/${id}/approvals/${approvalId}`)
      .set('content-type', 'application/json')
      .send('{"approved":');
    expect(malformed.status).toBe(400);
    // Another user's execution does not exist for them, admin or not of another tenant.
    expect((await decide(id, approvalId, { approved: true }, 'mallory')).status).toBe(404);
    expect(
      (await http().post(`/api/admin/agents/${id}/approvals/${approvalId}`).set('x-user', 'mallory').send({ approved: true })).status,
    ).toBe(403);

    expect(await view(id)).toMatchObject({ status: 'awaiting_input', pending_approvals: [{ approval_id: approvalId }] });
    expect(await logsOf(id, 'tool.approval_decided')).toEqual([]);

    const byAdmin = await http()
      .post(`/api/admin/agents/${id}/approvals/${approvalId}`)
      .set('x-user', 'root')
      .set('x-admin', '1')
      .send({ approved: true });
    expect(byAdmin.status).toBe(202);
    expect((await waitForStatus(t, db, id, ['completed', 'failed'])).status).toBe('completed');
    expect(ranFor(`${transport}-rest`)).toBe(1);
  });
});

describe.each<Transport>(['redis', 'postgres'])('a tool approval wait that expires on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  const me = principal('grace');

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      agents: [deployer],
      options: { lifecycle: { inputTimeoutSeconds: 1 } },
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('fails like any input wait, and a late decision is a 409 that runs nothing', async () => {
    const target = `${transport}-late`;
    const execution = await t.manager.start(me, 'deployer', target);
    await waitForStatus(t, db, execution.id, ['awaiting_input']);
    const { rows } = await db.sql.query(
      `SELECT metadata->'pending_approvals'->0->>'approval_id' AS id FROM agent_executions WHERE id = $1`,
      [execution.id],
    );

    const failed = await waitForStatus(t, db, execution.id, ['failed', 'completed'], 10_000);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'awaiting_input_timeout' } });
    await expect(t.manager.decideToolApproval(me, execution.id, rows[0].id, { approved: true })).rejects.toMatchObject({
      code: 'approval_not_pending',
      details: { current_status: 'failed' },
    });
    expect(deployed).not.toContain(target);
  });
});
