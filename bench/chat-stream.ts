import { Logger, type INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import {
  Agent,
  createScriptedModel,
  defineLlmAgent,
  ExecutionEventName,
  ExecutionEvents,
  type AgentState,
  type AgentStepper,
  type StepContext,
  type StepResult,
  type Transport,
} from 'nestjs-agents';
import { signDemoToken } from '../src/demo/demo-auth.js';
import { createApp } from '../src/host/create-app.js';
import { readHostConfig } from '../src/host/host-config.js';
import { createBenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { redisUrl, uniqueName } from './support/env.js';
import { percentile, round } from './support/stats.js';
import { cpuMeter } from './support/cpu.js';
import { loadavg } from 'node:os';

/** How busy the machine was during a case (this process, PostgreSQL, Redis and anything else running), for reading its figures. */
function machineLoad(stop: ReturnType<typeof cpuMeter>) {
  const busy = stop().machineBusyPct;
  return { machine_cpu_busy_pct: busy === null ? null : round(busy, 1), load_avg_1m: round(loadavg()[0], 2) };
}

/**
 * The AI SDK chat stream of conversations, as `useChat` sees it: the example app (API and workers
 * in this process) with an LLM agent on the scripted model, and the AI SDK's own
 * `DefaultChatTransport` as the client (`GET /api/conversations/:id/chat/stream`, opened right after
 * the turn starts, before its first token).
 *
 * - `first-token`: FIRST_TOKEN_RUNS turns whose model waits FIRST_TOKEN_DELAY_MS before its first
 *   token: when the step saw the token (`ctx.emitToken`, an in-process event) → when the client
 *   read its `text-delta`, through the POST that starts the turn (`route: post`, what `useChat`
 *   does) and through the resume route opened right after it started (`route: stream`). Target ≤ +15 ms p50.
 * - `resume`: RESUME_RUNS turns of ANSWER_WORDS tokens every RESUME_CHUNK_MS; each connection is
 *   dropped after a random number of text deltas and a resume opened at once: resume request → the
 *   first chunk the client had not got (p50/p99, target ≤ 50 ms p99), and text deltas lost or
 *   repeated in the message the AI SDK builds (target 0).
 */
const NAME = 'chat-stream';
const CASES = ['first-token', 'resume'] as const;

/** Unmeasured runs first: the pools open their connections and the statements are planned, as in a node that has served a while. */
const WARM_UP_RUNS = 5;
const FIRST_TOKEN_RUNS = 40;
const FIRST_TOKEN_DELAY_MS = 50;
const RESUME_RUNS = 100;
const RESUME_CHUNK_MS = 4;
const ANSWER_WORDS = 40;
const ANSWER = Array.from({ length: ANSWER_WORDS }, (_, i) => `w${i}`).join(' ');
const JWT_SECRET = 'bench-secret';

const turnPace = { first: FIRST_TOKEN_DELAY_MS, next: 0 };

@Agent({ name: 'bench-chat' })
class BenchChatAgent implements AgentStepper {
  step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    const model = createScriptedModel({ firstChunkDelayMs: turnPace.first, chunkDelayMs: turnPace.next, script: () => ({ text: ANSWER }) });
    return defineLlmAgent({ name: 'bench-chat', model, system: '', tools: {} }).step(state, ctx);
  }
}

interface ChatNode {
  app: INestApplication;
  base: string;
  token: string;
}

async function startNode(transport: Transport, databaseUrl: string): Promise<ChatNode> {
  const config = readHostConfig({
    DATABASE_URL: databaseUrl,
    AGENTS_TRANSPORT: transport,
    REDIS_URL: redisUrl(),
    AGENTS_QUEUE_PREFIX: uniqueName('bench_chat'),
    JWT_SECRET,
    AGENTS_TIERS: JSON.stringify({
      bench: {
        maxConcurrent: 1_000_000,
        perHour: 1_000_000,
        rateLimits: { burst: { limit: 1_000_000, ttlSeconds: 1 }, sustained: { limit: 1_000_000, ttlSeconds: 60 } },
      },
    }),
  });
  Logger.overrideLogger(['error', 'warn']);
  const app = await createApp({ ...config, databaseUrl }, { agents: [BenchChatAgent] });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, base: `http://127.0.0.1:${port}`, token: signDemoToken(JWT_SECRET, { tenantId: 'bench', userId: 'bench', tier: 'bench' }) };
}

async function newTurn(node: ChatNode): Promise<{ conversationId: string; executionId: string }> {
  const res = await fetch(`${node.base}/api/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent_type: 'bench-chat', message: 'go' }),
  });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { conversation: { id: string }; execution_id: string };
  return { conversationId: body.conversation.id, executionId: body.execution_id };
}

const transportFor = (node: ChatNode, conversationId: string) =>
  new DefaultChatTransport<UIMessage>({
    api: `${node.base}/api/conversations/${conversationId}/chat`,
    headers: { authorization: `Bearer ${node.token}` },
    prepareReconnectToStreamRequest: () => ({ api: `${node.base}/api/conversations/${conversationId}/chat/stream` }),
  });

const deltasOf = (chunks: UIMessageChunk[]) => chunks.filter((c) => c.type === 'text-delta').map((c) => c.delta);

async function textOf(chunks: UIMessageChunk[]): Promise<string> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return (last?.parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
}

/** Reads a chat stream to its end; when its first text delta arrived, and its message id (the turn's execution). */
async function readToEnd(stream: ReadableStream<UIMessageChunk>): Promise<{ firstDeltaAt: number; messageId: string }> {
  const reader = stream.getReader();
  let firstDeltaAt = 0;
  let messageId = '';
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (next.value.type === 'start') messageId = next.value.messageId ?? '';
    if (next.value.type === 'text-delta' && firstDeltaAt === 0) firstDeltaAt = performance.now();
  }
  return { firstDeltaAt, messageId };
}

/**
 * Both ways a client gets a turn's first token: `post`, what `useChat`'s `sendMessage` does (the
 * next turn of an idle conversation, streamed by the POST that starts it); `stream`, the resume
 * route opened right after the turn started (another tab, a reload).
 */
async function firstToken(node: ChatNode, transport: Transport, ctx: BenchContext): Promise<void> {
  turnPace.first = FIRST_TOKEN_DELAY_MS;
  turnPace.next = 0;
  const modelFirst = new Map<string, number>();
  const stop = node.app.get(ExecutionEvents).subscribe((e) => {
    if (e.name === ExecutionEventName.Token && e.index === 0 && !modelFirst.has(e.executionId))
      modelFirst.set(e.executionId, performance.now());
  });
  const gaps = { post: [] as number[], stream: [] as number[] };
  const cpu = cpuMeter();
  for (let i = -WARM_UP_RUNS; i < FIRST_TOKEN_RUNS; i++) {
    const { conversationId, executionId } = await newTurn(node);
    const chat = transportFor(node, conversationId);
    const first = await readToEnd((await chat.reconnectToStream({ chatId: conversationId }))!);
    if (i >= 0) gaps.stream.push(first.firstDeltaAt - modelFirst.get(executionId)!);
    const message: UIMessage = { id: `u${i}`, role: 'user', parts: [{ type: 'text', text: 'again' }] };
    const sent = await chat.sendMessages({
      trigger: 'submit-message',
      chatId: conversationId,
      messageId: undefined,
      messages: [message],
      abortSignal: undefined,
    });
    const second = await readToEnd(sent);
    if (i >= 0) gaps.post.push(second.firstDeltaAt - modelFirst.get(second.messageId)!);
  }
  stop();
  const load = machineLoad(cpu);
  for (const route of ['post', 'stream'] as const) {
    ctx.emit({
      bench: NAME,
      transport,
      case: 'first-token',
      route,
      runs: FIRST_TOKEN_RUNS,
      model_first_token_delay_ms: FIRST_TOKEN_DELAY_MS,
      added_p50_ms: round(percentile(gaps[route], 50), 2),
      added_p99_ms: round(percentile(gaps[route], 99), 2),
      target_p50_ms: 15,
      ...load,
    });
  }
}

async function resume(node: ChatNode, transport: Transport, ctx: BenchContext): Promise<void> {
  turnPace.first = RESUME_CHUNK_MS;
  turnPace.next = RESUME_CHUNK_MS;
  const latencies: number[] = [];
  let lost = 0;
  let repeated = 0;
  let dropsMidTurn = 0;
  const cpu = cpuMeter();
  for (let i = -WARM_UP_RUNS; i < RESUME_RUNS; i++) {
    const measured = i >= 0;
    const { conversationId } = await newTurn(node);
    const chat = transportFor(node, conversationId);
    const abort = new AbortController();
    const first = await chat.reconnectToStream({ chatId: conversationId, abortSignal: abort.signal });
    const reader = first!.getReader();
    const cut = 1 + Math.floor(Math.random() * (ANSWER_WORDS - 2));
    const before: UIMessageChunk[] = [];
    while (deltasOf(before).length < cut) {
      const next = await reader.read();
      if (next.done) break;
      before.push(next.value);
    }
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const askedAt = performance.now();
    const again = await chat.reconnectToStream({ chatId: conversationId });
    if (!again) continue; // ended meanwhile: nothing to resume
    if (measured) dropsMidTurn++;
    const after: UIMessageChunk[] = [];
    const resumed = again.getReader();
    for (let next = await resumed.read(); !next.done; next = await resumed.read()) {
      after.push(next.value);
      if (after.length === before.length + 1 && measured) latencies.push(performance.now() - askedAt);
    }
    if (!measured) continue;
    const words = (await textOf(after)).split(' ').filter(Boolean);
    const expected = ANSWER.split(' ');
    lost += expected.filter((w) => !words.includes(w)).length;
    repeated += words.length - new Set(words).size + words.filter((w) => !expected.includes(w)).length;
    if (JSON.stringify(after.slice(0, before.length)) !== JSON.stringify(before)) repeated++;
  }
  ctx.emit({
    bench: NAME,
    transport,
    case: 'resume',
    forced_disconnects: dropsMidTurn,
    first_missed_chunk_p50_ms: round(percentile(latencies, 50), 2),
    first_missed_chunk_p99_ms: round(percentile(latencies, 99), 2),
    target_p99_ms: 50,
    text_deltas_lost: lost,
    text_deltas_repeated: repeated,
    ...machineLoad(cpu),
  });
}

export const chatStream: Benchmark = {
  name: NAME,
  description: 'AI SDK chat stream: first token through the UI stream vs the model, resume latency, chunks lost or repeated',
  cases: CASES,
  async run(ctx) {
    for (const transport of ctx.transports) {
      const db = await createBenchDatabase();
      const node = await startNode(transport, db.url);
      try {
        if (ctx.cases.length === 0 || ctx.cases.includes('first-token')) {
          ctx.progress(`${transport}: first-token`);
          await firstToken(node, transport, ctx);
        }
        if (ctx.cases.length === 0 || ctx.cases.includes('resume')) {
          ctx.progress(`${transport}: resume`);
          await resume(node, transport, ctx);
        }
      } finally {
        await node.app.close();
        await db.drop();
      }
    }
  },
};
