import type { AddressInfo } from 'node:net';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/agent/index.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import {
  chunk,
  finish,
  send,
  startFakeOpenAiServer,
  startSse,
  type FakeOpenAiServer,
  type Handler,
} from '../support/fake-openai-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const LEASE_TIMEOUT_MS = 1500;
const ANSWER = Array.from({ length: 10 }, (_, i) => `word${i} `).join('');

/** Streams `lost0 lost1 …` every 50 ms, for longer than the test lets it: the worker dies meanwhile. */
const endless: Handler = (_body, _req, res) => {
  startSse(res);
  let i = 0;
  const timer = setInterval(() => send(res, chunk([{ index: 0, delta: { content: `lost${i++} ` }, finish_reason: null }])), 50);
  res.on('close', () => clearInterval(timer));
  res.on('error', () => clearInterval(timer));
};

/** The retried step's answer, a word every 20 ms. */
const answer: Handler = (_body, _req, res) => {
  startSse(res);
  const words = ANSWER.split(/(?<= )/);
  let i = 0;
  const timer = setInterval(() => {
    if (i < words.length) return void send(res, chunk([{ index: 0, delta: { content: words[i++] }, finish_reason: null }]));
    clearInterval(timer);
    finish(res, 'stop', { prompt_tokens: 10, completion_tokens: 10 });
  }, 20);
};

const textParts = (message: UIMessage) => message.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);

async function messageOf(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last!;
}

describe.each<Transport>(['redis', 'postgres'])('chat stream of a step retried after its worker died (%s transport)', (transport) => {
  let db: TestDatabase;
  let api: ExampleApp;
  let fake: FakeOpenAiServer;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [db, fake] = await Promise.all([createTestDatabase(), startFakeOpenAiServer()]);
    env = exampleEnv(db, transport, { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS), LLM_BASE_URL: fake.baseURL, LLM_API_KEY: 'test' });
    api = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX!, { ...env, AGENTS_WORKERS: 'off' });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await api?.close();
    await fake?.close();
    await db?.drop();
  });

  it("shows the lost attempt's text as its own closed part, then the retried step's whole answer, live and in a replay", async () => {
    fake.handlers.push(endless, answer);
    const token = api.token({ userId: 'alice' });
    const base = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    const first = startWorkerProcess(env);
    workers.push(first);
    await first.ready;
    const created = await fetch(`${base}/api/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_type: 'code-assistant', message: 'hello' }),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { conversation: { id: string } }).conversation.id;
    const chat = new DefaultChatTransport<UIMessage>({
      api: `${base}/api/conversations/${id}/chat`,
      headers: { authorization: `Bearer ${token}` },
      prepareReconnectToStreamRequest: () => ({ api: `${base}/api/conversations/${id}/chat/stream` }),
    });

    // Live: read until the first attempt streamed a few words, then its worker dies.
    const [live, watching] = (await chat.reconnectToStream({ chatId: id }))!.tee();
    const liveMessage = messageOf(live);
    const reader = watching.getReader();
    for (let deltas = 0; deltas < 4;) if ((await reader.read()).value?.type === 'text-delta') deltas++;
    await first.stop('SIGKILL');
    const second = startWorkerProcess(env);
    workers.push(second);
    await second.ready;
    // The retried step is streaming: a replay now has both attempts (the first one from the buffer).
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta' && value.delta.startsWith('word')) break;
    }
    void reader.cancel();
    const replayed = await messageOf((await chat.reconnectToStream({ chatId: id }))!);

    // Live: every word the client saw before the kill. The replay: what reached the buffer, in
    // order, with no gap; the kill may beat the buffer's last write (the live event got out first).
    for (const [message, atLeast] of [
      [await liveMessage, 4],
      [replayed, 1],
    ] as const) {
      const [lost, retried, ...more] = textParts(message);
      expect(more).toEqual([]);
      const words = lost!.split(' ').slice(0, -1);
      expect(words.length).toBeGreaterThanOrEqual(atLeast);
      expect(words).toEqual(words.map((_, i) => `lost${i}`));
      expect(retried).toBe(ANSWER);
    }
    // What the conversation keeps is the committed answer alone (it joins the history once the turn is settled).
    const lastMessage = async () => {
      const conversation = await fetch(`${base}/api/conversations/${id}`, { headers: { authorization: `Bearer ${token}` } });
      return ((await conversation.json()) as { messages: unknown[] }).messages.at(-1);
    };
    await expect.poll(lastMessage, { timeout: 10_000 }).toMatchObject({ role: 'assistant', content: [{ type: 'text', text: ANSWER }] });
  });
});
