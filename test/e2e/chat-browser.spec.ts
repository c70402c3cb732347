import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { rm } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  createScriptedModel,
  defineLlmAgent,
  type AgentState,
  type AgentStepper,
  type StepContext,
  type StepResult,
} from '../../src/agent/index.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { buildChatPage, serveChatPage } from '../support/chat/chat-page-server.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const SHOTS = 'chat';
const WORDS = 30;
const ANSWER = Array.from({ length: WORDS }, (_, i) => `word${i}`).join(' ');
/** A word every 80 ms: the turn lasts ~2.4 s, long enough to reload the page in the middle of it. */
const WORD_MS = 80;

@Agent({ name: 'browser-chat' })
class BrowserChatAgent implements AgentStepper {
  private readonly llm = defineLlmAgent({
    name: 'browser-chat',
    model: createScriptedModel({ chunkDelayMs: WORD_MS, script: () => ({ text: ANSWER }) }),
    system: 'You answer slowly.',
  });

  step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    return this.llm.step(state, ctx);
  }
}

/** A React page with the AI SDK's `useChat` and `DefaultChatTransport` in headless Chromium, against the example app. */
describe('useChat in a browser on a conversation', () => {
  let db: TestDatabase;
  let example: ExampleApp;
  let browser: Browser;
  let pageDir: string;
  let site: { base: string; server: Server };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres');
    [example, browser, pageDir] = await Promise.all([
      startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env, [BrowserChatAgent]),
      launchBrowser(),
      buildChatPage(),
    ]);
    site = await serveChatPage(pageDir, `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    await example?.close();
    await db?.drop();
    if (pageDir) await rm(pageDir, { recursive: true, force: true });
  });

  const assistantText = (page: Page) => page.locator('[data-testid="message-assistant"]').last().innerText();

  it('sends a message, streams the answer, is reloaded mid-turn and resumes with the whole answer once', async () => {
    const token = example.token({ userId: 'alice' });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${site.base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    // A conversation whose first turn is over: the page sends its next one.
    const created = await api('/api/conversations', {
      method: 'POST',
      body: JSON.stringify({ agent_type: 'browser-chat', message: 'hello' }),
    });
    expect(created.status).toBe(201);
    const conversationId = ((await created.json()) as { conversation: { id: string } }).conversation.id;
    await expect.poll(async () => (await api(`/api/conversations/${conversationId}/chat/stream`)).status, { timeout: 15_000 }).toBe(204);

    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const url = `${site.base}/?conversation=${conversationId}&token=${token}`;
    await page.goto(url);
    await page.locator('[data-testid="status"]', { hasText: 'ready' }).waitFor();
    await page.fill('[data-testid="draft"]', 'tell me slowly');
    await page.click('[data-testid="send"]');
    await page.locator('[data-testid="message-user"]', { hasText: 'tell me slowly' }).waitFor();
    await page.locator('[data-testid="message-assistant"]', { hasText: 'word3' }).waitFor();
    const beforeReload = await assistantText(page);
    await screenshot(page, SHOTS, '1-streaming');
    expect(beforeReload).not.toContain(`word${WORDS - 1}`);

    const resumed = page.waitForResponse((r) => r.url().endsWith(`/api/conversations/${conversationId}/chat/stream`));
    await page.reload();
    // 200, not 204: the turn was still in flight when the page came back.
    expect((await resumed).status()).toBe(200);
    // The reload caught the turn in flight: the replay rebuilds the answer from its first word.
    await page.locator('[data-testid="message-assistant"]', { hasText: 'word0' }).waitFor();
    const resumedMidTurn = await assistantText(page);
    await screenshot(page, SHOTS, '2-resumed-mid-turn');
    expect(resumedMidTurn.startsWith('word0')).toBe(true);
    await page.locator('[data-testid="message-assistant"]', { hasText: `word${WORDS - 1}` }).waitFor();
    await page.locator('[data-testid="status"]', { hasText: 'ready' }).waitFor();
    await screenshot(page, SHOTS, '3-complete');
    // Every word once, in order, in one assistant message.
    expect(await page.locator('[data-testid="message-assistant"]').count()).toBe(1);
    expect(await assistantText(page)).toBe(ANSWER);
    expect(await page.locator('[data-testid="error"]').count()).toBe(0);
    await page.close();

    // The answer joins the history once the turn is settled.
    const conversation = async () =>
      (await (await api(`/api/conversations/${conversationId}`)).json()) as { turn_count: number; messages: unknown[] };
    await expect
      .poll(async () => (await conversation()).messages.at(-1))
      .toMatchObject({ role: 'assistant', content: [{ type: 'text', text: ANSWER }] });
    expect((await conversation()).turn_count).toBe(2);
  });

  it('shows a tool call that waits for approval with Approve / Deny; a click sends the answer and the rest of the turn streams in', async () => {
    const token = example.token({ userId: 'bob' });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${site.base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const created = await api('/api/conversations', {
      method: 'POST',
      body: JSON.stringify({ agent_type: 'code-assistant', message: 'hello' }),
    });
    expect(created.status).toBe(201);
    const conversationId = ((await created.json()) as { conversation: { id: string } }).conversation.id;
    await expect.poll(async () => (await api(`/api/conversations/${conversationId}/chat/stream`)).status, { timeout: 15_000 }).toBe(204);

    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${site.base}/?conversation=${conversationId}&token=${token}`);
    await page.locator('[data-testid="status"]', { hasText: 'ready' }).waitFor();
    for (const [ask, click, state, text] of [
      ['run the tests', 'approve', 'output-available', 'run_tests returned 1 passed'],
      ['run the tests again', 'deny', 'output-denied', 'execution-denied'],
    ] as const) {
      await page.fill('[data-testid="draft"]', ask);
      await page.click('[data-testid="send"]');
      const tool = page.locator('[data-testid="message-assistant"]').last().locator('[data-testid="tool-run_tests"]');
      await tool.and(page.locator('[data-state="approval-requested"]')).waitFor();
      await page.locator('[data-testid="status"]', { hasText: 'ready' }).waitFor();
      await screenshot(page, SHOTS, `approval-${click}-1-asked`);
      await tool.locator(`[data-testid="${click}"]`).click();
      await tool.and(page.locator(`[data-state="${state}"]`)).waitFor();
      await page.locator('[data-testid="message-assistant"]').last().locator('[data-testid="text"]', { hasText: text }).waitFor();
      await page.locator('[data-testid="status"]', { hasText: 'ready' }).waitFor();
      await screenshot(page, SHOTS, `approval-${click}-2-answered`);
      // One tool part for the call, the buttons gone.
      expect(await tool.count()).toBe(1);
      expect(await tool.locator('button').count()).toBe(0);
    }
    expect(await page.locator('[data-testid="error"]').count()).toBe(0);
    await page.close();

    const conversation = (await (await api(`/api/conversations/${conversationId}`)).json()) as { turn_count: number };
    expect(conversation.turn_count).toBe(3);
  });
});
