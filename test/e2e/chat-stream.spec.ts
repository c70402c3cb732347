import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  LONG_QUIET_ANSWER,
  QUIET_ANSWER,
  QuietChatAgent,
  SLOW_ANSWER,
  SlowChatAgent,
  SlowStepsAgent,
} from '../support/chat/slow-chat.agent.js';

const baseOf = (example: ExampleApp) => `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`;

const userMessage = (text: string): UIMessage => ({ id: `u-${Math.random()}`, role: 'user', parts: [{ type: 'text', text }] });

/** The AI SDK's own client transport for a conversation on one API node. */
function transportFor(base: string, conversationId: string, token: string) {
  return new DefaultChatTransport<UIMessage>({
    api: `${base}/api/conversations/${conversationId}/chat`,
    headers: { authorization: `Bearer ${token}` },
    prepareReconnectToStreamRequest: () => ({ api: `${base}/api/conversations/${conversationId}/chat/stream` }),
  });
}

async function collect(stream: ReadableStream<UIMessageChunk>): Promise<UIMessageChunk[]> {
  const chunks: UIMessageChunk[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return chunks;
}

/** The assistant message the AI SDK builds from the chunks (its own reader, not ours). */
async function messageOf(chunks: UIMessageChunk[]): Promise<UIMessage> {
  let last: UIMessage | undefined;
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last!;
}

const textOf = (message: UIMessage) =>
  message.parts
    .filter((p) => p.type === 'text')
    .map((p) => (p as { text: string }).text)
    .join('');

const deltas = (chunks: UIMessageChunk[]) => chunks.filter((c) => c.type === 'text-delta').map((c) => (c as { delta: string }).delta);

describe.each(['redis', 'postgres'])('AI SDK chat stream on conversations (%s transport)', (transport) => {
  let db: TestDatabase;
  let nodeA: ExampleApp;
  let nodeB: ExampleApp;
  let token: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = exampleEnv(db, transport);
    // Two API nodes on one database and queue prefix; only A runs turns.
    nodeA = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env, [SlowChatAgent, SlowStepsAgent, QuietChatAgent]);
    nodeB = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, { ...env, AGENTS_WORKERS: 'off' }, [
      SlowChatAgent,
      SlowStepsAgent,
      QuietChatAgent,
    ]);
    token = nodeA.token({ userId: 'alice' });
  });

  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
    await db?.drop();
  });

  const http = () => request(nodeA.app.getHttpServer());
  const auth = () => `Bearer ${token}`;

  async function newConversation(agentType = 'slow-chat'): Promise<{ id: string; executionId: string }> {
    const res = await http().post('/api/conversations').set('authorization', auth()).send({ agent_type: agentType, message: 'hello' });
    expect(res.status).toBe(201);
    return { id: res.body.conversation.id, executionId: res.body.execution_id };
  }

  /** Waits until the conversation has no turn in flight (the resume answers 204). */
  async function idle(base: string, id: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${base}/api/conversations/${id}/chat/stream`, { headers: { authorization: auth() } });
      await res.body?.cancel();
      if (res.status === 204) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the turn never ended');
  }

  it('resumes the first turn from its beginning, on another API node, with every word once', async () => {
    const { id } = await newConversation();
    const resumed = await transportFor(baseOf(nodeB), id, token).reconnectToStream({ chatId: id });
    expect(resumed).not.toBeNull();
    const chunks = await collect(resumed!);
    expect(chunks[0]).toMatchObject({ type: 'start' });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(chunks.map((c) => c.type)).toContain('start-step');
    expect(chunks.map((c) => c.type)).toContain('finish-step');
    expect(textOf(await messageOf(chunks))).toBe(SLOW_ANSWER);
    await idle(baseOf(nodeA), id);
  });

  it('a forced disconnect mid-turn does not stop it; a resume on the other node delivers the rest exactly once', async () => {
    const { id } = await newConversation();
    await idle(baseOf(nodeA), id);
    const abort = new AbortController();
    const sent = await transportFor(baseOf(nodeA), id, token).sendMessages({
      trigger: 'submit-message',
      chatId: id,
      messageId: undefined,
      messages: [userMessage('tell me slowly')],
      abortSignal: abort.signal,
    });
    const reader = sent.getReader();
    const before: UIMessageChunk[] = [];
    while (deltas(before).length < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      before.push(value);
    }
    abort.abort();
    await reader.cancel().catch(() => undefined);
    expect(deltas(before).length).toBe(5);

    const resumed = await transportFor(baseOf(nodeB), id, token).reconnectToStream({ chatId: id });
    const after = await collect(resumed!);
    // A replay (`resumeStreamIsReplay`): what the client had is the start of it, chunk for chunk.
    expect(after.slice(0, before.length)).toEqual(before);
    const missed = deltas(after).slice(deltas(before).length);
    expect([...deltas(before), ...missed].join('')).toBe(SLOW_ANSWER);
    expect(textOf(await messageOf(after))).toBe(SLOW_ANSWER);
    expect(after.at(-1)).toMatchObject({ type: 'finish' });

    await idle(baseOf(nodeA), id);
    // The answer joins the history once the turn is settled.
    const conversation = async () => (await http().get(`/api/conversations/${id}`).set('authorization', auth())).body;
    await expect
      .poll(async () => (await conversation()).messages.at(-1))
      .toMatchObject({ role: 'assistant', content: [{ type: 'text', text: SLOW_ANSWER }] });
    expect((await conversation()).turn_count).toBe(2);
  });

  it('an API node shutting down ends its open chat streams at once; the turn goes on and resumes on another node', async () => {
    const nodeC = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, { ...env, AGENTS_WORKERS: 'off' }, [
      SlowChatAgent,
      SlowStepsAgent,
      QuietChatAgent,
    ]);
    const { id } = await newConversation();
    const open = await transportFor(baseOf(nodeC), id, token).reconnectToStream({ chatId: id });
    const reader = open!.getReader();
    const before: UIMessageChunk[] = [];
    while (deltas(before).length < 2) before.push((await reader.read()).value!);
    // A node that waited for its streams' clients to leave would not close before the turn ends.
    console.log('got', before.length);
    const closing = performance.now();
    await nodeC.close();
    console.log('closed');
    expect(performance.now() - closing).toBeLessThan(5000);
    while (!(await reader.read().catch(() => ({ done: true }))).done);
    console.log('read to end');
    const resumed = await transportFor(baseOf(nodeB), id, token).reconnectToStream({ chatId: id });
    const chunks = await collect(resumed!);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(textOf(await messageOf(chunks))).toBe(SLOW_ANSWER);
  });

  it('answers 204 when no turn is in flight', async () => {
    const { id } = await newConversation();
    await idle(baseOf(nodeB), id);
    const resumed = await transportFor(baseOf(nodeB), id, token).reconnectToStream({ chatId: id });
    expect(resumed).toBeNull();
  });

  it('streams tool calls and their results with the text (the example app’s code assistant)', async () => {
    const { id } = await newConversation('code-assistant');
    await idle(baseOf(nodeA), id);
    const chunks = await collect(
      await transportFor(baseOf(nodeA), id, token).sendMessages({
        trigger: 'submit-message',
        chatId: id,
        messageId: undefined,
        messages: [userMessage('list the files')],
        abortSignal: undefined,
      }),
    );
    const message = await messageOf(chunks);
    const tool = message.parts.find((p) => p.type === 'tool-list_files') as { state: string; output: unknown } | undefined;
    expect(tool).toMatchObject({ state: 'output-available', output: ['README.md', 'src/index.ts', 'src/index.spec.ts'] });
    expect(textOf(message)).toContain('list_files returned');
    expect(chunks.filter((c) => c.type === 'start-step').length).toBe(2);
  });

  it("shows a custom agent's answer as text though it streams no token (its message, else its output)", async () => {
    const { id } = await newConversation('quiet-chat');
    await idle(baseOf(nodeA), id);
    const send = async (text: string) =>
      collect(
        await transportFor(baseOf(nodeA), id, token).sendMessages({
          trigger: 'submit-message',
          chatId: id,
          messageId: undefined,
          messages: [userMessage(text)],
          abortSignal: undefined,
        }),
      );
    const chunks = await send('and now?');
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(textOf(await messageOf(chunks))).toBe(`Turn 2: ${QUIET_ANSWER}`);
    const third = await send('and then?');
    expect(third.filter((c) => c.type === 'text-start').length).toBe(1);
    expect(textOf(await messageOf(third))).toBe(QUIET_ANSWER);
    // Too long for a live notification (cut to fit): the stream reads the whole row.
    const long = await send('now at length');
    expect(textOf(await messageOf(long))).toBe(LONG_QUIET_ANSWER);
  });

  it('cancel stops the turn gracefully (at the end of its step); the stream ends with an abort', async () => {
    const { id } = await newConversation('slow-steps');
    const resumed = await transportFor(baseOf(nodeB), id, token).reconnectToStream({ chatId: id });
    const reader = resumed!.getReader();
    const seen: UIMessageChunk[] = [];
    while (deltas(seen).length < 2) seen.push((await reader.read()).value!);
    const cancel = await request(nodeB.app.getHttpServer()).post(`/api/conversations/${id}/chat/cancel`).set('authorization', auth());
    expect(cancel.status).toBe(202);
    expect(cancel.body.execution_id).toEqual(expect.any(String));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen.push(value);
    }
    expect(seen.at(-1)).toMatchObject({ type: 'abort' });
    // The step in flight finished: its text is whole, and no second step ran.
    expect(deltas(seen).join('')).toBe(SLOW_ANSWER);
    expect(seen.filter((c) => c.type === 'start-step').length).toBe(1);
    await idle(baseOf(nodeA), id);
    const none = await request(nodeB.app.getHttpServer()).post(`/api/conversations/${id}/chat/cancel`).set('authorization', auth());
    expect(none.status).toBe(202);
    expect(none.body).toEqual({ execution_id: null });
  });

  it('refuses bad bodies (400), unknown or foreign conversations (404) and a second turn while one runs (409), changing nothing', async () => {
    const { id } = await newConversation();
    const post = (body: unknown, who = auth(), conversation = id) =>
      http()
        .post(`/api/conversations/${conversation}/chat`)
        .set('authorization', who)
        .send(body as object);
    for (const body of [
      {},
      { messages: [] },
      { messages: 'hi' },
      { messages: [{ role: 'user', parts: [] }] },
      { messages: [{ role: 'system', parts: [{ type: 'text', text: 'x' }] }] },
      { messages: [{ role: 'assistant', parts: [{ type: 'text', text: 'x' }] }] },
      { messages: [userMessage('x')], trigger: 'nonsense' },
      { messages: [userMessage('x')], surprise: true },
    ]) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    }
    expect((await post({ messages: [userMessage('x')] }, auth(), '00000000-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await post({ messages: [userMessage('x')] }, `Bearer ${nodeA.token({ userId: 'mallory' })}`)).status).toBe(404);
    const busy = await post({ messages: [userMessage('another')] });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    await idle(baseOf(nodeA), id);
    const conversation = await http().get(`/api/conversations/${id}`).set('authorization', auth());
    expect(conversation.body.turn_count).toBe(1);
    const stream = await fetch(`${baseOf(nodeA)}/api/conversations/${id}/chat/stream`);
    expect(stream.status).toBe(401);
  });
});
