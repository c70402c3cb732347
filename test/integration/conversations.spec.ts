import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  ConversationBusyError,
  ConversationReader,
  ConversationsService,
  createScriptedModel,
  defineLlmAgent,
  ExecutionEventName,
  RecoveryService,
  step,
  type AgentState,
  type AgentStepper,
  type BusyConversationPolicy,
  type StepContext,
  type StepResult,
  type Transport,
} from '../../src/agent/index.js';
import { ExecutionSettlement } from '../../src/agent/executions/lifecycle/execution-settlement.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** A gate the test opens; a closed gate holds its turn `running`. */
class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }
}

/** What the `gated` agent did, per user message (each test uses its own messages). */
const gates = new Map<string, Gate>();
const started: string[] = [];
const aborted: string[] = [];
let running = 0;
let maxRunning = 0;

const textOf = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content));

/**
 * Answers `answer <message> after <n>`: n is how many messages its step saw (the conversation's
 * history plus its own user message). Holds while the message's gate is closed. `fail …` records
 * tokens in step 1 and fails in step 2.
 */
@Agent({ name: 'gated' })
class GatedAgent implements AgentStepper {
  async step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    const message = textOf([...state.messages].reverse().find((m) => m.role === 'user')?.content);
    if (message.startsWith('fail')) {
      if (ctx.stepNumber === 1) {
        ctx.recordUsage({ model: 'gated', inputTokens: 4, outputTokens: 0 });
        return step.continue();
      }
      throw new Error('failed as asked');
    }
    started.push(message);
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      const gate = gates.get(message);
      if (gate) {
        await new Promise<void>((resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.push(message);
            reject(ctx.signal.reason);
          });
          void gate.opened.then(resolve);
        });
      }
      ctx.recordUsage({ model: 'gated', inputTokens: 2, outputTokens: 1 });
      return step.done(`answer ${message}`, {
        messages: [{ role: 'assistant', content: `answer ${message} after ${state.messages.length}` }],
      });
    } finally {
      running--;
    }
  }
}

/** The LLM agent's answer reveals what its model call saw: how many messages, and every user message. */
const rememberingModel = createScriptedModel({
  script: (call) => {
    const seen = call.prompt.filter((m) => m.role !== 'system');
    const users = seen
      .filter((m) => m.role === 'user')
      .map((m) => (m.role === 'user' ? m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : ''));
    return { text: `saw ${seen.length}: ${users.join(',')}`, usage: { inputTokens: 10 + seen.length, outputTokens: 5 } };
  },
});

async function startApp(transport: Transport, db: TestDatabase, whenBusy: BusyConversationPolicy): Promise<TestApp> {
  return startTestApp({
    transport,
    db,
    queuePrefix: uniquePrefix(),
    providers: [GatedAgent],
    agents: [defineLlmAgent({ name: 'remembering', model: rememberingModel, system: 'You remember the conversation.' })],
    options: { conversations: { whenBusy } },
  });
}

/** Resolves when the turn ended and its end was settled (re-read on each conversation event, and once now). */
function turnSettled(t: TestApp, db: TestDatabase, executionId: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = async () => {
      const { rows } = await db.sql.query(`SELECT status, settle_pending FROM agent_executions WHERE id = $1`, [executionId]);
      if (!done && rows[0] && ['completed', 'failed', 'cancelled'].includes(rows[0].status) && !rows[0].settle_pending) {
        done = true;
        clearTimeout(timer);
        stop();
        resolve();
      }
    };
    const stop = t.events.subscribe((e) => {
      if (e.name === ExecutionEventName.ConversationUpdated) void check().catch(reject);
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`Turn ${executionId} was not settled within ${timeoutMs} ms`));
    }, timeoutMs);
    void check().catch(reject);
  });
}

const turnsOf = async (db: TestDatabase, conversationId: string) =>
  (
    await db.sql.query(
      `SELECT id, status, token_usage::int AS tokens, output, started_at, completed_at FROM agent_executions WHERE conversation_id = $1 ORDER BY id`,
      [conversationId],
    )
  ).rows;

describe.each(['redis', 'postgres'] as const)('conversations (%s)', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let conversations: ConversationsService;
  let reader: ConversationReader;
  const me = principal('conv-user');

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(transport, db, 'enqueue');
    conversations = t.app.get(ConversationsService);
    reader = t.app.get(ConversationReader);
  });
  afterAll(async () => {
    for (const gate of gates.values()) gate.open();
    await t?.close();
    await db?.drop();
  });

  it('runs 5 turns, each seeing the whole history, and adds up their tokens', async () => {
    const first = await conversations.start(me, { agentType: 'remembering', message: 'm1', title: 'Five turns' });
    expect(first.conversation).toMatchObject({
      title: 'Five turns',
      turn_count: 0,
      total_tokens: 0,
      active_execution_id: first.executionId,
    });
    const conversationId = first.conversation.id;
    await turnSettled(t, db, first.executionId);
    for (let k = 2; k <= 5; k++) {
      const turn = await conversations.send(me, conversationId, `m${k}`);
      expect(turn.queued).toBe(false);
      await turnSettled(t, db, turn.executionId);
    }

    const turns = await turnsOf(db, conversationId);
    expect(turns.map((e) => e.status)).toEqual(Array(5).fill('completed'));
    // Turn k saw the k-1 earlier exchanges and its own message, once each (no opening message added).
    expect(turns.map((e) => e.output)).toEqual(
      [1, 2, 3, 4, 5].map((k) => `saw ${2 * k - 1}: ${Array.from({ length: k }, (_, i) => `m${i + 1}`).join(',')}`),
    );

    const conversation = await reader.get(me, conversationId);
    expect(conversation).toMatchObject({ id: conversationId, agent_type: 'remembering', turn_count: 5, active_execution_id: null });
    const tokens = turns.map((e) => e.tokens as number);
    expect(tokens).toEqual([1, 2, 3, 4, 5].map((k) => 10 + (2 * k - 1) + 5));
    expect(conversation.total_tokens).toBe(tokens.reduce((a, b) => a + b, 0));
    // The history: each turn's user message and answer, in order, tagged in place (no copies).
    expect(conversation.messages!.map((m) => m.role)).toEqual(Array(5).fill(['user', 'assistant']).flat());
    expect(conversation.messages!.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(conversation.messages!.map((m) => m.execution_id)).toEqual(turns.flatMap((e) => [e.id, e.id]));
    const { rows } = await db.sql.query(
      `SELECT count(*)::int AS n FROM agent_messages m JOIN agent_executions e ON e.id = m.execution_id WHERE e.conversation_id = $1`,
      [conversationId],
    );
    expect(rows[0].n).toBe(10);
  });

  it('queues messages sent while a turn runs and runs them after it, one at a time and in order; a cancelled queued turn is skipped', async () => {
    const tag = `${transport}-q`;
    for (const n of [1, 2, 3, 4]) gates.set(`${tag}${n}`, new Gate());
    const first = await conversations.start(me, { agentType: 'gated', message: `${tag}1` });
    await waitForStatus(t, db, first.executionId, ['running']);
    const second = await conversations.send(me, first.conversation.id, `${tag}2`);
    const third = await conversations.send(me, first.conversation.id, `${tag}3`);
    const fourth = await conversations.send(me, first.conversation.id, `${tag}4`);
    expect([second.queued, third.queued, fourth.queued]).toEqual([true, true, true]);
    expect(fourth.conversation.active_execution_id).toBe(first.executionId);
    expect((await turnsOf(db, first.conversation.id)).map((e) => e.status)).toEqual(['running', 'scheduled', 'scheduled', 'scheduled']);

    await t.manager.cancel(me, third.executionId);
    gates.get(`${tag}2`)!.open();
    gates.get(`${tag}4`)!.open();
    gates.get(`${tag}1`)!.open();
    await turnSettled(t, db, fourth.executionId);

    expect(started.filter((m) => m.startsWith(tag))).toEqual([`${tag}1`, `${tag}2`, `${tag}4`]);
    expect(maxRunning).toBe(1);
    const turns = await turnsOf(db, first.conversation.id);
    expect(turns.map((e) => e.status)).toEqual(['completed', 'completed', 'cancelled', 'completed']);
    // Never two at once: each started after the one before it ended.
    expect(turns[1].started_at.getTime()).toBeGreaterThanOrEqual(turns[0].completed_at.getTime());
    expect(turns[3].started_at.getTime()).toBeGreaterThanOrEqual(turns[1].completed_at.getTime());
    // Each queued turn saw the history as it was when it ran.
    const conversation = await reader.get(me, first.conversation.id);
    expect(conversation.messages!.map((m) => m.content)).toEqual([
      `${tag}1`,
      `answer ${tag}1 after 1`,
      `${tag}2`,
      `answer ${tag}2 after 3`,
      `${tag}4`,
      `answer ${tag}4 after 5`,
    ]);
    expect(conversation).toMatchObject({ turn_count: 3, total_tokens: 9, active_execution_id: null });
  });

  it('counts the tokens of a failed turn but adds nothing to the history', async () => {
    const first = await conversations.start(me, { agentType: 'gated', message: `${transport}-ok` });
    await turnSettled(t, db, first.executionId);
    const failed = await conversations.send(me, first.conversation.id, `fail-${transport}`);
    await turnSettled(t, db, failed.executionId);
    expect((await turnsOf(db, first.conversation.id)).map((e) => [e.status, e.tokens])).toEqual([
      ['completed', 3],
      ['failed', 4],
    ]);
    const conversation = await reader.get(me, first.conversation.id);
    expect(conversation).toMatchObject({ turn_count: 1, total_tokens: 7 });
    expect(conversation.messages!.map((m) => m.content)).toEqual([`${transport}-ok`, `answer ${transport}-ok after 1`]);
  });

  it('deletes a conversation with a running turn: the turn is killed, and nothing of its turns remains', async () => {
    const hold = `${transport}-hold`;
    gates.set(hold, new Gate());
    const first = await conversations.start(me, { agentType: 'gated', message: hold });
    await waitForStatus(t, db, first.executionId, ['running']);
    const queued = await conversations.send(me, first.conversation.id, `${transport}-after-hold`);
    // A pending signal row too: the pause waits for the step in flight.
    await t.manager.pause(me, first.executionId);
    const ids = [first.executionId, queued.executionId];
    const counts = async () =>
      (
        await db.sql.query(
          `SELECT (SELECT count(*) FROM agent_executions WHERE id = ANY($1::uuid[]) OR conversation_id = $2)::int AS executions,
                  (SELECT count(*) FROM agent_messages WHERE execution_id = ANY($1::uuid[]) OR conversation_id = $2)::int AS messages,
                  (SELECT count(*) FROM agent_logs WHERE execution_id = ANY($1::uuid[]))::int AS logs,
                  (SELECT count(*) FROM agent_signals WHERE execution_id = ANY($1::uuid[]))::int AS signals,
                  (SELECT count(*) FROM agent_conversations WHERE id = $2)::int AS conversations`,
          [ids, first.conversation.id],
        )
      ).rows[0];
    // The queued turn's message waits in its input until it is released.
    expect(await counts()).toMatchObject({ executions: 2, messages: 1, signals: 1, conversations: 1 });

    await conversations.delete(me, first.conversation.id);
    await expect.poll(() => aborted.includes(hold)).toBe(true);
    expect(await counts()).toEqual({ executions: 0, messages: 0, logs: 0, signals: 0, conversations: 0 });
    await expect(reader.get(me, first.conversation.id)).rejects.toThrow('not found');
  });
});

describe('conversations that refuse a message while a turn runs', () => {
  let db: TestDatabase;
  let t: TestApp;
  let conversations: ConversationsService;
  const me = principal('reject-user');

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp('redis', db, 'reject');
    conversations = t.app.get(ConversationsService);
  });
  afterAll(async () => {
    for (const gate of gates.values()) gate.open();
    await t?.close();
    await db?.drop();
  });

  it('answers busy with the running turn, and creates nothing', async () => {
    gates.set('reject-1', new Gate());
    const first = await conversations.start(me, { agentType: 'gated', message: 'reject-1' });
    await waitForStatus(t, db, first.executionId, ['running']);
    const refused = await conversations.send(me, first.conversation.id, 'reject-2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConversationBusyError);
    expect((refused as ConversationBusyError).details).toEqual({ active_execution_id: first.executionId });
    expect((await turnsOf(db, first.conversation.id)).map((e) => e.status)).toEqual(['running']);

    gates.get('reject-1')!.open();
    await turnSettled(t, db, first.executionId);
    const next = await conversations.send(me, first.conversation.id, 'reject-3');
    await turnSettled(t, db, next.executionId);
    expect((await turnsOf(db, first.conversation.id)).map((e) => e.output)).toEqual(['answer reject-1', 'answer reject-3']);
  });

  it('lets exactly one of many simultaneous messages start a turn', async () => {
    const first = await conversations.start(me, { agentType: 'gated', message: 'race-0' });
    await turnSettled(t, db, first.executionId);
    for (let i = 1; i <= 6; i++) gates.set(`race-${i}`, new Gate());
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((i) => conversations.send(me, first.conversation.id, `race-${i}`)));
    for (let i = 1; i <= 6; i++) gates.get(`race-${i}`)!.open();
    const accepted = results.filter((r) => r.status === 'fulfilled');
    expect(accepted).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConversationBusyError)).toHaveLength(5);
    expect(await turnsOf(db, first.conversation.id)).toHaveLength(2);
  });

  it('appends a turn whose end was never settled (its process died): by the recovery sweep, or by the next message', async () => {
    // As if the process that ended the turns died before settling them: nothing here settles on its own any more.
    await t.app.get(ExecutionSettlement).onModuleDestroy();
    const unsettled = async (executionId: string) => {
      await waitForStatus(t, db, executionId, ['completed']);
      expect((await db.sql.query(`SELECT settle_pending FROM agent_executions WHERE id = $1`, [executionId])).rows[0].settle_pending).toBe(
        true,
      );
    };
    const first = await conversations.start(me, { agentType: 'gated', message: 'orphan-1' });
    await unsettled(first.executionId);
    expect((await t.app.get(ConversationReader).get(me, first.conversation.id)).turn_count).toBe(0);

    expect((await t.app.get(RecoveryService).recoverStuck(60_000)).settled).toContain(first.executionId);
    const second = await conversations.send(me, first.conversation.id, 'orphan-2');
    await unsettled(second.executionId);
    // Not refused as busy: the ended turn is settled first, so its answer is in the history the next turn sees.
    const third = await conversations.send(me, first.conversation.id, 'orphan-3');
    await waitForStatus(t, db, third.executionId, ['completed']);
    expect((await turnsOf(db, first.conversation.id)).map((e) => e.output)).toEqual([
      'answer orphan-1',
      'answer orphan-2',
      'answer orphan-3',
    ]);
    const conversation = await t.app.get(ConversationReader).get(me, first.conversation.id);
    expect(conversation.turn_count).toBe(2);
    expect(conversation.messages!.map((m) => m.content)).toEqual([
      'orphan-1',
      'answer orphan-1 after 1',
      'orphan-2',
      'answer orphan-2 after 3',
    ]);
  });
});
