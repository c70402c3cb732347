import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeChat } from '../support/chat/node-chat.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type ToolPart = { type: string; state: string; toolCallId: string; input?: unknown; output?: unknown; approval?: { id: string } };

const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? [])
    .filter((p) => p.type === 'text')
    .map((p) => (p as { text: string }).text)
    .join('');

const runTestsPart = (chat: NodeChat) => chat.lastMessage?.parts.find((p) => p.type === 'tool-run_tests') as ToolPart | undefined;

/**
 * Tool approvals through the chat stream, with the AI SDK's own chat client (`AbstractChat`, what
 * `useChat` wraps) and `DefaultChatTransport`: the code assistant's `run_tests` waits for a person.
 */
describe.each(['redis', 'postgres'])('tool approvals in the AI SDK chat stream (%s transport)', (transport) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, transport);
    example = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env);
    token = example.token({ userId: 'alice' });
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const http = () => request(example.app.getHttpServer());
  const auth = () => `Bearer ${token}`;
  const base = () => `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`;

  /** A code-assistant conversation whose first turn is over, and a chat client on it. */
  async function chatOnNewConversation(): Promise<{ id: string; chat: NodeChat }> {
    const res = await http()
      .post('/api/conversations')
      .set('authorization', auth())
      .send({ agent_type: 'code-assistant', message: 'hello' });
    expect(res.status).toBe(201);
    const id = res.body.conversation.id as string;
    await expect
      .poll(async () => (await http().get(`/api/conversations/${id}/chat/stream`).set('authorization', auth())).status, { timeout: 15_000 })
      .toBe(204);
    const api = `${base()}/api/conversations/${id}/chat`;
    const chat = new NodeChat({
      id,
      transport: new DefaultChatTransport<UIMessage>({
        api,
        headers: { authorization: `Bearer ${token}` },
        prepareReconnectToStreamRequest: () => ({ api: `${api}/stream` }),
      }),
      // What an application sets so that answering the last approval sends the next request by itself.
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    return { id, chat };
  }

  /** The turn's log rows of one type. */
  async function rows(executionId: string, eventType: string): Promise<Array<{ context: Record<string, unknown> }>> {
    const res = await http().get(`/api/agents/${executionId}/logs?event_type=${eventType}&limit=100`).set('authorization', auth());
    expect(res.status).toBe(200);
    return res.body.data;
  }

  async function askToRunTheTests(chat: NodeChat): Promise<ToolPart> {
    const started = performance.now();
    await chat.sendMessage({ text: 'run the tests' });
    expect(await chat.settled()).toBe('ready');
    // A step that streamed no token leaves nothing to wait for: the request shows at once, not once a gap gives up (10 s).
    expect(performance.now() - started).toBeLessThan(5_000);
    const part = runTestsPart(chat);
    expect(part).toMatchObject({ state: 'approval-requested', approval: { id: expect.any(String) } });
    return part!;
  }

  it('approve: the tool part waits, the answer sends the next request, the same turn goes on with the output and the final text', async () => {
    const { id, chat } = await chatOnNewConversation();
    const asked = await askToRunTheTests(chat);
    const executionId = chat.lastMessage!.id;
    const execution = await http().get(`/api/agents/${executionId}`).set('authorization', auth());
    expect(execution.body).toMatchObject({ status: 'awaiting_input', pending_approvals: [{ approval_id: asked.approval!.id }] });

    await chat.addToolApprovalResponse({ id: asked.approval!.id, approved: true });
    await expect.poll(() => runTestsPart(chat)?.state, { timeout: 15_000 }).toBe('output-available');
    expect(await chat.settled()).toBe('ready');

    // One assistant message for the whole turn: the tool part kept its call and got its output, then the text.
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const part = runTestsPart(chat)!;
    expect(part.toolCallId).toBe(asked.toolCallId);
    expect(part.input).toEqual(asked.input);
    expect(part.output).toMatch(/^1 passed/);
    expect(textOf(chat.lastMessage)).toContain('run_tests returned');
    expect(chat.error).toBeUndefined();

    await expect
      .poll(async () => (await http().get(`/api/agents/${executionId}`).set('authorization', auth())).body.status)
      .toBe('completed');
    const completed = (await rows(executionId, 'tool_completed')).filter((r) => r.context.toolName === 'run_tests');
    expect(completed).toHaveLength(1);
    expect(completed[0].context.ok).toBe(true);
    const conversation = (await http().get(`/api/conversations/${id}`).set('authorization', auth())).body;
    expect(conversation.turn_count).toBe(2);
  });

  it('deny: the model hears the denial, the turn completes and run_tests never runs', async () => {
    const { chat } = await chatOnNewConversation();
    const asked = await askToRunTheTests(chat);
    const executionId = chat.lastMessage!.id;

    await chat.addToolApprovalResponse({ id: asked.approval!.id, approved: false, reason: 'not now' });
    await expect.poll(() => runTestsPart(chat)?.state, { timeout: 15_000 }).toBe('output-denied');
    expect(await chat.settled()).toBe('ready');
    await expect.poll(() => textOf(chat.lastMessage), { timeout: 15_000 }).not.toBe('');
    expect(chat.error).toBeUndefined();

    await expect
      .poll(async () => (await http().get(`/api/agents/${executionId}`).set('authorization', auth())).body.status)
      .toBe('completed');
    // The model heard the denial as the call's result; the tool itself never ran.
    const results = (await rows(executionId, 'tool_completed')).filter((r) => r.context.toolName === 'run_tests');
    expect(results.map((r) => r.context)).toEqual([expect.objectContaining({ ok: false, denied: true })]);
    expect(textOf(chat.lastMessage)).toContain('execution-denied');
    const decided = await rows(executionId, 'tool.approval_decided');
    expect(decided).toHaveLength(1);
    expect(decided[0].context).toMatchObject({ approved: false, reason: 'not now' });
  });
});
