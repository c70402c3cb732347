import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsApiError, AgentsClient, SubscribeRefusedError, type Execution } from '../../client/index.js';
import type { Transport } from '../../src/agent/index.js';
import { oneTo, recorder } from '../support/client-recorder.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import {
  chunk,
  finish,
  send,
  startFakeOpenAiServer,
  startSse,
  textAnswer,
  type FakeOpenAiServer,
  type Handler,
} from '../support/fake-openai-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

type Who = { tenantId?: string; userId?: string; admin?: boolean };

/** The model asks the code assistant's `list_files` tool for every file. */
const listFilesCall: Handler = (_body, _req, res) => {
  startSse(res);
  const call = { index: 0, id: 'call_files', type: 'function', function: { name: 'list_files', arguments: '{}' } };
  send(res, chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: null }]));
  finish(res, 'tool_calls', { prompt_tokens: 20, completion_tokens: 5 });
};

describe.each<Transport>(['redis', 'postgres'])('AgentsClient against the example app (%s transport)', (transport) => {
  let db: TestDatabase;
  let app: ExampleApp;
  let worker: WorkerProcess;
  let llm: FakeOpenAiServer;
  let baseUrl: string;
  const clients: AgentsClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    llm = await startFakeOpenAiServer();
    const env = exampleEnv(db, transport);
    // One API node without workers; the workers (and their model calls, to the fake server) in a child process.
    app = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, { ...env, AGENTS_WORKERS: 'off' });
    baseUrl = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    worker = startWorkerProcess({ ...env, LLM_BASE_URL: llm.baseURL, LLM_MODEL: 'fake-gpt' });
    await worker.ready;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await worker?.stop();
    await app?.close();
    await llm?.close();
    await db?.drop();
  });

  /** A client with the real `fetch`, recording the requests it makes; `hold` can keep realtime-token requests waiting. */
  function connectClient(who: Who = {}) {
    const requests: string[] = [];
    let gate: Promise<void> | null = null;
    const client = new AgentsClient({
      baseUrl,
      token: () => app.token(who),
      fetch: async (input, init) => {
        const url = String(input);
        requests.push(`${init?.method ?? 'GET'} ${url.slice(baseUrl.length)}`);
        if (gate && url.includes('/realtime-token')) await gate;
        return fetch(input, init);
      },
      socketOptions: { transports: ['websocket'], reconnectionDelay: 10, reconnectionDelayMax: 50 },
    });
    clients.push(client);
    return {
      client,
      requests,
      tokenRequests: () => requests.filter((r) => r.endsWith('/api/agents/realtime-token')).length,
      /** Holds realtime-token requests until the returned function is called. */
      holdTokens: () => {
        let release!: () => void;
        gate = new Promise((resolve) => (release = resolve));
        return () => {
          gate = null;
          release();
        };
      },
    };
  }

  /** Cross-process waits: the worker is another process, so its progress is read back over REST. */
  const pollUntil = (client: AgentsClient, id: string, predicate: (e: Execution) => boolean, timeout = 15_000) =>
    expect.poll(async () => predicate(await client.get(id)), { timeout, interval: 20 }).toBe(true);

  const apiError = async (promise: Promise<unknown>): Promise<AgentsApiError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentsApiError);
    return error as AgentsApiError;
  };

  it('starts, reads, lists and pages through logs', async () => {
    const { client } = connectClient({ userId: 'reader' });
    const started = await client.start('steps', { steps: 3 }, { metadata: { origin: 'client-test' }, idempotencyKey: `k-${transport}` });
    expect(started).toMatchObject({
      agent_type: 'steps',
      status: 'pending',
      queue: 'agents-default',
      input: { steps: 3 },
      metadata: { origin: 'client-test' },
    });
    const again = await client.start('steps', { steps: 3 }, { metadata: { origin: 'client-test' }, idempotencyKey: `k-${transport}` });
    expect(again.id).toBe(started.id);

    await pollUntil(client, started.id, (e) => e.status === 'completed');
    const done = await client.get(started.id);
    expect(done).toMatchObject({ status: 'completed', step_count: 3, output: { steps_done: 3 }, error: null });
    expect(done.logs!.filter((l) => l.event_type === 'step_completed')).toHaveLength(3);

    const second = await client.start('steps', { steps: 1 });
    const newest = await client.list({ agentType: 'steps', limit: 1 });
    expect(newest.data.map((e) => e.id)).toEqual([second.id]);
    expect(newest.next_cursor).toBe(second.id);
    const older = await client.list({ agentType: 'steps', limit: 1, cursor: newest.next_cursor! });
    expect(older.data.map((e) => e.id)).toEqual([started.id]);
    expect((await client.list({ status: 'completed' })).data.every((e) => e.status === 'completed')).toBe(true);
    expect((await client.list({ metadata: { origin: 'client-test' } })).data.map((e) => e.id)).toEqual([started.id]);

    const steps = await client.logs(started.id, { eventType: 'step_completed' });
    expect(steps.data.map((l) => l.message)).toEqual(['Step 1 completed', 'Step 2 completed', 'Step 3 completed']);
    const first = await client.logs(started.id, { limit: 1 });
    expect(first.data).toHaveLength(1);
    const rest = await client.logs(started.id, { afterId: Number(first.next_cursor) });
    expect(rest.data[0]!.id).toBeGreaterThan(first.data[0]!.id);
    expect((await client.logs(started.id, { level: 'info' })).data.every((l) => l.level === 'info')).toBe(true);
  });

  it('starts many in one request: each result its execution or its refusal, a failing item refusing them all', async () => {
    const { client } = connectClient({ userId: 'batch' });
    const key = `batch-${transport}`;
    const results = await client.startMany([
      { agentType: 'steps', input: { steps: 1 } },
      { agentType: 'steps', input: { steps: 2 }, options: { idempotencyKey: key } },
      { agentType: 'steps', input: { steps: 3 }, options: { idempotencyKey: key } },
    ]);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(results[0]!.execution).toMatchObject({ agent_type: 'steps', input: { steps: 1 } });
    expect(results[2]!.error).toBeInstanceOf(AgentsApiError);
    expect(results[2]!.error).toMatchObject({ statusCode: 409, details: { code: 'idempotency_key_reused' } });
    await pollUntil(client, results[1]!.execution!.id, (e) => e.status === 'completed');

    const refused = await apiError(
      client.startMany([
        { agentType: 'steps', input: 1 },
        { agentType: 'nobody', input: 1 },
      ]),
    );
    expect(refused).toMatchObject({ statusCode: 400, details: { code: 'unknown_agent_type', index: 1 } });
    expect((await client.list({ limit: 10 })).data).toHaveLength(2);
  });

  it('pauses, resumes, cancels and kills', async () => {
    const { client } = connectClient({ userId: 'controller' });
    const { id } = await client.start('steps', { steps: 10_000, step_ms: 20 });
    await pollUntil(client, id, (e) => e.status === 'running');
    expect((await client.pause(id)).status).toBe('running'); // 202: lands at the end of the step in flight
    await pollUntil(client, id, (e) => e.status === 'paused');
    expect((await client.resume(id)).status).toBe('pending');
    await pollUntil(client, id, (e) => e.status === 'running');
    await client.pause(id);
    await pollUntil(client, id, (e) => e.status === 'paused');
    expect((await client.cancel(id)).status).toBe('cancelled'); // nothing runs: at once

    const graceful = await client.start('steps', { steps: 10_000, step_ms: 20 });
    await pollUntil(client, graceful.id, (e) => e.status === 'running');
    expect((await client.cancel(graceful.id, { graceMs: 5_000 })).status).toBe('running');
    await pollUntil(client, graceful.id, (e) => e.status === 'cancelled');

    const other = await client.start('steps', { steps: 10_000, step_ms: 20 });
    await pollUntil(client, other.id, (e) => e.status === 'running');
    const killed = await client.kill(other.id);
    expect(killed).toMatchObject({ status: 'cancelled', metadata: { force_killed: true } });
  });

  it('sends input to an execution that awaits it', async () => {
    const { client } = connectClient({ userId: 'asker' });
    const { id } = await client.start('steps', { steps: 3, ask_input_at: 2 });
    const r = recorder();
    const subscription = client.subscribe(id, r.handlers);
    await r.status((s) => s.status === 'awaiting_input');
    const answered = await client.sendInput(id, { answer: 'yes' });
    expect(answered.status).toBe('pending');
    expect(await subscription.done).toMatchObject({ status: 'completed', step_count: 3 });
    expect(r.steps.map((s) => s.step_number)).toEqual(oneTo(3));
    expect(r.statuses.map((s) => s.status)).toEqual(['running', 'awaiting_input', 'pending', 'running', 'completed']);
    expect(r.logs.some((l) => l.event_type === 'input_received')).toBe(true);
  });

  it('holds conversations, runs pipelines and reads the budget', async () => {
    const { client } = connectClient({ userId: 'worker-of-words' });
    const first = await client.conversations.start('steps', 'hello', 'greetings');
    expect(first.conversation).toMatchObject({ agent_type: 'steps', title: 'greetings', active_execution_id: first.execution_id });
    expect((await client.subscribe(first.execution_id, {}).done).status).toBe('completed');
    await expect.poll(async () => (await client.conversations.get(first.conversation.id)).turn_count).toBe(1);
    const second = await client.conversations.send(first.conversation.id, 'again');
    await client.subscribe(second.execution_id, {}).done;
    await expect.poll(async () => (await client.conversations.get(first.conversation.id)).messages?.length).toBe(4);
    expect((await client.conversations.list()).data.map((c) => c.id)).toContain(first.conversation.id);

    const pipeline = await client.pipelines.create(
      [
        { name: 'a', agent_type: 'steps' },
        { name: 'b', agent_type: 'steps' },
      ],
      { steps: 1 },
    );
    expect(pipeline).toMatchObject({ status: 'running', current_stage: 0 });
    await expect.poll(async () => (await client.pipelines.get(pipeline.id)).status, { timeout: 15_000 }).toBe('completed');
    expect((await client.pipelines.list()).data.map((p) => p.id)).toContain(pipeline.id);
    const refused = await client.pipelines.cancel(pipeline.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AgentsApiError);
    expect((refused as AgentsApiError).statusCode).toBe(409);

    expect(await client.budget()).toEqual({ budgets: [] });
    await client.conversations.delete(first.conversation.id);
    await expect(client.conversations.get(first.conversation.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('manages schedules, starts with hooks and reads their delivery log', async () => {
    const { client } = connectClient({ userId: 'scheduler' });
    const schedule = await client.schedules.create('steps', { steps: 1 }, { cron: '* * * * * *', timeZone: 'Europe/Paris' });
    expect(schedule).toMatchObject({ agent_type: 'steps', status: 'active', time_zone: 'Europe/Paris', user_id: 'scheduler' });
    await expect.poll(async () => (await client.schedules.get(schedule.id)).run_count, { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await client.schedules.pause(schedule.id)).status).toBe('paused');
    await expect(client.schedules.pause(schedule.id)).rejects.toMatchObject({ statusCode: 409 });
    expect((await client.schedules.list({ status: 'paused' })).data.map((s) => s.id)).toContain(schedule.id);
    const changed = await client.schedules.update(schedule.id, { input: { steps: 2 }, cron: '0 9 * * *', metadata: { team: 'ops' } });
    expect(changed).toMatchObject({ input: { steps: 2 }, cron: '0 9 * * *', time_zone: 'Europe/Paris', metadata: { team: 'ops' } });
    await expect(client.schedules.update(schedule.id, { timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ statusCode: 400 });
    const { client: admin } = connectClient({ userId: 'schedule-admin', admin: true });
    const byAdmin = await admin.admin.updateSchedule(schedule.id, { queue: null, hooks: [] });
    expect(byAdmin).toMatchObject({ user_id: 'scheduler', queue: null, hooks: [], input: { steps: 2 }, cron: '0 9 * * *' });
    await expect(client.admin.updateSchedule(schedule.id, { input: 1 })).rejects.toMatchObject({ statusCode: 403 });
    const ran = (await client.schedules.get(schedule.id)).last_execution_id!;
    expect((await client.get(ran)).status).toBeDefined();
    await client.schedules.delete(schedule.id);
    await expect(client.schedules.get(schedule.id)).rejects.toMatchObject({ statusCode: 404 });

    // The example app signs with no secret: the delivery is logged as failed, without a call.
    const hooked = await client.start(
      'steps',
      { steps: 1 },
      { hooks: [{ url: 'https://hooks.example.invalid/agents', events: ['execution.completed'] }] },
    );
    expect((await client.subscribe(hooked.id, {}).done).status).toBe('completed');
    await expect.poll(async () => (await client.hooks(hooked.id)).data.map((d) => d.status), { timeout: 15_000 }).toEqual(['failed']);
    expect((await client.hooks(hooked.id)).data[0]).toMatchObject({
      event: 'execution.completed',
      last_error: expect.stringContaining('secret'),
    });
    await expect(client.start('steps', {}, { hooks: [{ url: 'http://127.0.0.1:6379/' }] })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('throws AgentsApiError with the server error body', async () => {
    const { client } = connectClient({ userId: 'owner' });
    const stranger = connectClient({ userId: 'stranger' }).client;
    const { id } = await client.start('steps', { steps: 1 });

    const foreign = await apiError(stranger.get(id));
    expect(foreign).toMatchObject({ statusCode: 404, error: 'Not Found', details: { code: expect.any(String) } });
    expect(foreign.message).toContain(id);
    expect((await apiError(stranger.pause(id))).statusCode).toBe(404);

    await pollUntil(client, id, (e) => e.status === 'completed');
    const illegal = await apiError(client.pause(id));
    expect(illegal).toMatchObject({ statusCode: 409, error: 'Conflict', details: { current_status: 'completed' } });
    expect((await apiError(client.sendInput(id, 'late'))).statusCode).toBe(409);

    const unknown = await apiError(client.start('no-such-agent', {}));
    expect(unknown).toMatchObject({ statusCode: 400, details: { known_types: expect.arrayContaining(['steps']) } });
    expect((await apiError(client.get('not-a-uuid'))).statusCode).toBe(400);
    expect((await apiError(client.logs(id, { limit: 5_000 }))).statusCode).toBe(400);
    expect((await apiError(client.cancel(id, { graceMs: -1 }))).statusCode).toBe(400);

    const anonymous = new AgentsClient({ baseUrl });
    expect((await apiError(anonymous.list())).statusCode).toBe(401);
  });

  it('delivers every step once and in order, and the final status, to subscriptions sharing one socket', async () => {
    const { client } = connectClient({ userId: 'watcher' });
    const runs = await Promise.all([
      client.start('steps', { steps: 5, step_ms: 20, tokens_per_step: 7 }),
      client.start('steps', { steps: 3, step_ms: 20 }),
    ]);
    const records = runs.map(() => recorder());
    const subscriptions = runs.map((run, i) => client.subscribe(run.id, records[i]!.handlers));
    const finals = await Promise.all(subscriptions.map((s) => s.done));

    expect(finals.map((f) => f.status)).toEqual(['completed', 'completed']);
    expect(finals[0]).toMatchObject({ execution_id: runs[0]!.id, step_count: 5, token_usage: 35, completed_at: expect.any(String) });
    for (const [i, steps] of [5, 3].entries()) {
      const r = records[i]!;
      expect(r.steps.map((s) => s.step_number)).toEqual(oneTo(steps));
      expect(r.steps.every((s) => s.execution_id === runs[i]!.id)).toBe(true);
      expect(r.statuses.map((s) => s.status)).toEqual(['running', 'completed']);
      const seqs = r.logs.map((l) => l.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(r.errors).toEqual([]);
    }
    expect(Object.keys(records[0]!.steps[0]!).sort()).toEqual([
      'execution_id',
      'seq',
      'step_number',
      'step_type',
      'timestamp',
      'tokens_used',
      'tool_names',
    ]);
    expect(records[0]!.steps[0]).toMatchObject({ step_type: 'custom', tool_names: [], tokens_used: 7 });
    // Idle once the last subscription ended.
    await expect.poll(() => client.socket?.connected, { interval: 10 }).toBe(false);
  });

  it('catches up on what happened before the subscription, rebuilding the same events', async () => {
    const { client } = connectClient({ userId: 'late' });
    const { id } = await client.start('steps', { steps: 4, tokens_per_step: 5 });
    await pollUntil(client, id, (e) => e.status === 'completed');
    const r = recorder();
    const final = await client.subscribe(id, r.handlers).done;
    const execution = await client.get(id);
    expect(final).toMatchObject({
      status: 'completed',
      step_count: 4,
      token_usage: execution.token_usage,
      completed_at: execution.completed_at,
    });
    expect(r.steps.map((s) => s.step_number)).toEqual(oneTo(4));
    expect(r.steps[0]).toMatchObject({
      execution_id: id,
      step_type: 'custom',
      tool_names: [],
      tokens_used: 5,
      timestamp: expect.any(String),
    });
    expect(r.statuses.map((s) => s.status)).toEqual(['running', 'completed']);
    const logs = await client.logs(id);
    expect(r.logs.map((l) => l.id)).toEqual(logs.data.map((l) => l.id));

    // Part of the run before subscribing, the rest live.
    const midway = await client.start('steps', { steps: 8, step_ms: 30 });
    await pollUntil(client, midway.id, (e) => e.step_count >= 2);
    const m = recorder();
    await client.subscribe(midway.id, m.handlers).done;
    expect(m.steps.map((s) => s.step_number)).toEqual(oneTo(8));
  });

  it('replays a failure with its error', async () => {
    const { client } = connectClient({ userId: 'failing' });
    const { id } = await client.start('steps', { steps: 5, fail_at: 2 });
    await pollUntil(client, id, (e) => e.status === 'failed');
    const final = await client.subscribe(id, {}).done;
    const execution = await client.get(id);
    expect(final).toMatchObject({ status: 'failed', step_count: execution.step_count, error: execution.error! });
  });

  it('catches up after the socket was disconnected mid-run: each step once, no gaps', async () => {
    const { client, tokenRequests } = connectClient({ userId: 'flaky' });
    const { id } = await client.start('steps', { steps: 12, step_ms: 30 });
    const r = recorder();
    const subscription = client.subscribe(id, r.handlers);
    await r.stepCount(2);
    client.socket!.disconnect();
    const seenBefore = r.steps.length;
    // Steps commit while nobody listens.
    await pollUntil(client, id, (e) => e.step_count >= seenBefore + 3);
    expect(r.steps.length).toBe(seenBefore);
    client.socket!.connect();
    await subscription.done;
    expect(r.steps.map((s) => s.step_number)).toEqual(oneTo(12));
    expect(r.statuses.map((s) => s.status)).toEqual(['running', 'completed']);
    expect(new Set(r.logs.map((l) => l.seq)).size).toBe(r.logs.length);
    expect(tokenRequests()).toBe(2);
  });

  it('reconnects by itself after the transport drops, with a fresh realtime token, and catches up', async () => {
    const { client, tokenRequests, holdTokens } = connectClient({ userId: 'dropped' });
    const { id } = await client.start('steps', { steps: 12, step_ms: 30 });
    const r = recorder();
    const subscription = client.subscribe(id, r.handlers);
    await r.stepCount(2);
    // The reconnect waits on its token request: steps commit meanwhile.
    const release = holdTokens();
    client.socket!.io.engine.close();
    await expect.poll(tokenRequests, { interval: 10 }).toBe(2);
    const seenBefore = r.steps.length;
    await pollUntil(client, id, (e) => e.step_count >= seenBefore + 3);
    expect(client.socket!.connected).toBe(false);
    release();
    await subscription.done;
    expect(r.steps.map((s) => s.step_number)).toEqual(oneTo(12));
    expect(r.statuses.map((s) => s.status)).toEqual(['running', 'completed']);
    expect(r.errors).toEqual([]);
  });

  it('streams model tokens to onToken while a step runs', async () => {
    let answer!: () => void;
    const answerMayStart = new Promise<void>((resolve) => (answer = resolve));
    llm.handlers.push((body, req, res) => void answerMayStart.then(() => textAnswer(body, req, res)));
    const { client } = connectClient({ userId: 'reader-of-tokens' });
    const { id } = await client.start('code-assistant', { prompt: 'Weather?' });
    const r = recorder();
    const subscription = client.subscribe(id, r.handlers);
    // Running (delivered) means joined and caught up to the step the model is answering.
    await r.status((s) => s.status === 'running');
    answer();
    await subscription.done;
    expect(r.tokens.map((t) => t.text).join('')).toBe('It is sunny in Paris.');
    expect(r.tokens.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(r.tokens.every((t) => t.step_number === 1 && t.execution_id === id)).toBe(true);
    expect(r.steps.map((s) => s.step_number)).toEqual([1]);
  });

  it("reads an execution's transcript in pages, tool calls and results taken out of the messages", async () => {
    llm.handlers.push(listFilesCall, textAnswer);
    const { client } = connectClient({ userId: 'reader-of-transcripts' });
    const { id } = await client.start('code-assistant', { prompt: 'Which files?' });
    await pollUntil(client, id, (e) => e.status === 'completed');

    const whole = await client.transcript(id);
    expect(whole.execution_id).toBe(id);
    expect(whole.next_cursor).toBeNull();
    expect(whole.data.map((e) => e.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(whole.data[0]).toMatchObject({ seq: 1, text: 'Which files?', tool_calls: [], tool_results: [] });
    expect(whole.data[1]!.tool_calls).toEqual([{ tool_call_id: 'call_files', tool_name: 'list_files', input: {} }]);
    expect(whole.data[2]!.tool_results).toEqual([
      { tool_call_id: 'call_files', tool_name: 'list_files', output: ['README.md', 'src/index.ts', 'src/index.spec.ts'], is_error: false },
    ]);
    expect(whole.data[3]!.text).toBe('It is sunny in Paris.');

    const pages = [await client.transcript(id, { limit: 3 })];
    expect(pages[0]!.next_cursor).toBe('3');
    pages.push(await client.transcript(id, { cursor: pages[0]!.next_cursor!, limit: 3 }));
    expect(pages[1]!.next_cursor).toBeNull();
    expect(pages.flatMap((p) => p.data)).toEqual(whole.data);
    const { client: admin } = connectClient({ userId: 'transcript-admin', admin: true });
    expect(await admin.admin.transcript(id, { cursor: 1, limit: 1 })).toEqual({
      execution_id: id,
      data: [whole.data[1]],
      next_cursor: '2',
    });
  });

  it("refuses a subscription to another user's execution", async () => {
    const { client } = connectClient({ userId: 'owner2' });
    const { id } = await client.start('steps', { steps: 1 });
    const r = recorder();
    const refused = await connectClient({ userId: 'mallory' })
      .client.subscribe(id, r.handlers)
      .done.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SubscribeRefusedError);
    expect((refused as SubscribeRefusedError).reason).toBe('not_found');
    expect(r.errors).toEqual([refused]);
    expect(r.steps).toEqual([]);
  });

  it('ends subscriptions when the bearer token is refused', async () => {
    const client = new AgentsClient({ baseUrl, token: 'not-a-token', socketOptions: { transports: ['websocket'] } });
    clients.push(client);
    const error = await client.subscribe('0190b5d2-0000-7000-8000-000000000000', {}).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentsApiError);
    expect((error as AgentsApiError).statusCode).toBe(401);
  });
});
