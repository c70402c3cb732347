import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../support/browser.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const DASHBOARD = '/agents-dashboard';
const SHOTS = 'dashboard';

/** The admin dashboard in headless Chromium, against the example app as `npm start` runs it. */
describe('admin dashboard in a browser', () => {
  let db: TestDatabase;
  let example: ExampleApp;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres');
    [example, browser] = await Promise.all([startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env), launchBrowser()]);
    base = `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await example?.close();
    await db?.drop();
  });

  async function openPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    const response = await page.goto(`${base}${DASHBOARD}`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${base}${DASHBOARD}`);
    await page.fill('#token', token);
    await page.click('#sign-in-form button[type=submit]');
  }

  const statusText = (page: Page, testId: string, status: string) =>
    page.locator(`[data-testid="${testId}"]`, { hasText: new RegExp(`^${status}$`) });

  it('serves nothing when the dashboard is disabled', async () => {
    const env = exampleEnv(db, 'postgres', { AGENTS_DASHBOARD: 'off', AGENTS_WORKERS: 'off' });
    const off = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env);
    try {
      const url = `http://127.0.0.1:${(off.app.getHttpServer().address() as AddressInfo).port}`;
      expect((await fetch(`${url}${DASHBOARD}/`)).status).toBe(404);
      expect((await fetch(`${url}${DASHBOARD}/queues/`)).status).toBe(404);
      const session = await fetch(`${url}/api/admin/dashboard/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${off.token({ admin: true })}` },
      });
      expect(session.status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('refuses a non-admin: on the page, on the admin API and at bull-board', async () => {
    const user = example.token({ userId: 'alice' });
    const page = await openPage();
    await signIn(page, user);
    await page.locator('[data-testid="sign-in-error"]', { hasText: '403' }).waitFor();
    expect(await page.isVisible('#app')).toBe(false);
    await screenshot(page, SHOTS, '1-non-admin-refused');

    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${user}` } });
    expect((await api('/api/admin/agents')).status).toBe(403);
    expect((await api('/api/admin/agents/queues')).status).toBe(403);
    const session = await api('/api/admin/dashboard/session', { method: 'POST' });
    expect(session.status).toBe(403);
    expect(session.headers.get('set-cookie')).toBeNull();

    // bull-board: nobody without the cookie; with a validly signed cookie of a non-admin, still no.
    expect((await page.goto(`${base}${DASHBOARD}/queues/`))?.status()).toBe(401);
    expect((await fetch(`${base}${DASHBOARD}/queues/api/queues`)).status).toBe(401);
    const { token } = (await (await api('/api/agents/realtime-token')).json()) as { token: string };
    await page.context().addCookies([{ name: 'agents_dashboard', value: token, url: `${base}${DASHBOARD}` }]);
    expect((await page.goto(`${base}${DASHBOARD}/queues/`))?.status()).toBe(403);
    expect((await page.context().request.get(`${base}${DASHBOARD}/queues/api/queues`)).status()).toBe(403);
    // A forged one is no better.
    await page.context().addCookies([{ name: 'agents_dashboard', value: `${token.split('.')[0]}.forged`, url: `${base}${DASHBOARD}` }]);
    expect((await page.goto(`${base}${DASHBOARD}/queues/`))?.status()).toBe(401);
  });

  it('lets an admin start an execution, watch its steps and logs live, pause and resume it, and see it complete', async () => {
    // One model call of another user this month: the cost panel covers the whole tenant.
    await db.sql.query(
      `INSERT INTO token_usage_records (tenant_id, user_id, model, input_tokens, output_tokens, cost_usd, recorded_at) VALUES ('t1', 'alice', 'gpt-test', 1000, 500, 0.0105, now())`,
    );
    // Another user's execution, finished before the admin looks.
    const started = await fetch(`${base}/api/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${example.token({ userId: 'alice' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_type: 'steps', input: { steps: 2 } }),
    });
    const alices = ((await started.json()) as { id: string }).id;
    const page = await openPage();
    await signIn(page, example.token({ userId: 'boss', admin: true }));
    await page.locator('[data-testid="who"]', { hasText: 'boss' }).waitFor();
    await statusText(page, 'live', 'live').waitFor();
    await page.locator('[data-testid="queues"] tbody tr').nth(2).waitFor();
    expect(await page.locator('[data-testid="queues"] tbody tr').count()).toBe(3);

    // bull-board's cookie came with the sign-in: HttpOnly, SameSite=Strict, only sent to the dashboard.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'agents_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: DASHBOARD });

    await page.fill('[data-testid="start-input"]', JSON.stringify({ steps: 6, step_ms: 500, tokens_per_step: 10 }));
    await page.click('[data-testid="start-form"] button[type=submit]');
    await page.waitForURL(/#\/executions\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    expect(await page.textContent('[data-testid="view-id"]')).toBe(id);

    // Steps appear one by one while it runs, with no reload.
    await statusText(page, 'view-status', 'running').waitFor();
    await page.locator('[data-testid="timeline"] li').nth(1).waitFor();
    await statusText(page, `row-status-${id}`, 'running').waitFor();
    await screenshot(page, SHOTS, '2-running');

    await page.click('[data-testid="action-pause"]');
    await statusText(page, 'view-status', 'paused').waitFor();
    await statusText(page, `row-status-${id}`, 'paused').waitFor();
    const { rows } = await db.sql.query<{ status: string; step_count: number }>(
      'SELECT status, step_count FROM agent_executions WHERE id = $1',
      [id],
    );
    expect(rows[0]!.status).toBe('paused');
    expect(rows[0]!.step_count).toBeLessThan(6);
    // Paused after the step in flight: the timeline shows exactly the steps committed.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline"] li').length === n, rows[0]!.step_count);
    expect(await page.isDisabled('[data-testid="action-pause"]')).toBe(true);
    expect(await page.isEnabled('[data-testid="action-resume"]')).toBe(true);
    await screenshot(page, SHOTS, '3-paused');

    await page.click('[data-testid="action-resume"]');
    await statusText(page, 'view-status', 'completed').waitFor({ timeout: 15_000 });
    await statusText(page, `row-status-${id}`, 'completed').waitFor();

    // Every step exactly once and in order; the logs streamed the whole run.
    const steps = await page
      .locator('[data-testid="timeline"] li')
      .evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.step)));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    const logs = await page.locator('[data-testid="logs"] li').allTextContents();
    expect(logs.filter((l) => l.includes('step_completed'))).toHaveLength(6);
    expect(logs.some((l) => /paused/i.test(l))).toBe(true);
    expect(logs.some((l) => /completed/i.test(l) && !l.includes('step_completed'))).toBe(true);
    expect(await page.textContent('[data-testid="view-steps"]')).toBe('6');
    expect(await page.textContent('[data-testid="view-tokens"]')).toBe('60');
    await page.locator('[data-testid="result"]', { hasText: '"steps_done": 6' }).waitFor();
    expect(await page.locator('[data-testid="usage"] tbody tr', { hasText: 'gpt-test' }).textContent()).toContain('$0.0105');
    await screenshot(page, SHOTS, '4-completed');

    // The whole tenant, filtered by user; another user's execution replays its history from the admin logs.
    await page.fill('[data-testid="filter-user"]', 'alice');
    await page.locator(`[data-testid="row-${id}"]`).waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid="executions"] tbody tr').count()).toBe(1);
    await page.click(`[data-testid="row-${alices}"] a`);
    await page.locator('[data-testid="view-id"]', { hasText: alices }).waitFor();
    await statusText(page, 'view-status', 'completed').waitFor();
    await page.locator('[data-testid="timeline"] li').nth(1).waitFor();
    expect(await page.locator('[data-testid="timeline"] li').count()).toBe(2);

    // Queue internals: bull-board in a new tab, let in by the cookie.
    const [board] = await Promise.all([page.context().waitForEvent('page'), page.click('#open-queues')]);
    await board.waitForLoadState();
    expect(board.url()).toBe(`${base}${DASHBOARD}/queues`);
    await board.getByText('agents-default').first().waitFor();
    await screenshot(board, SHOTS, '5-bull-board');
  });

  it('shows the tool calls a run waits on, and a click on Approve runs the tool', async () => {
    const started = await fetch(`${base}/api/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${example.token({ userId: 'alice' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_type: 'code-assistant', input: { prompt: 'Please run the tests' } }),
    });
    const { id } = (await started.json()) as { id: string };
    const page = await openPage();
    await signIn(page, example.token({ userId: 'boss', admin: true }));
    await page.click(`[data-testid="row-${id}"] a`);
    await page.locator('[data-testid="view-id"]', { hasText: id }).waitFor();

    const approvals = page.locator('[data-testid="approvals"]');
    await approvals.locator('li', { hasText: 'run_tests' }).waitFor();
    await statusText(page, 'view-status', 'awaiting_input').waitFor();
    expect(await approvals.locator('li code').textContent()).toBe('{"filter":"Please run the tests"}');
    // Input is refused while calls wait for a decision: its controls are grey.
    expect(await page.isDisabled('[data-testid="action-input"]')).toBe(true);
    await screenshot(page, SHOTS, '7-awaiting-approval');

    await page.fill('[data-testid="approval-reason"]', 'CI is green');
    await approvals.locator('[data-testid="approve"]').click();
    await statusText(page, 'view-status', 'completed').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="result"]', { hasText: '1 passed' }).waitFor();
    await approvals.waitFor({ state: 'hidden' });
    const logs = await page.locator('[data-testid="logs"] li').allTextContents();
    expect(logs.some((l) => l.includes('tool.approval_requested'))).toBe(true);
    expect(logs.some((l) => l.includes('tool.approval_decided') && l.includes('run_tests approved'))).toBe(true);
    const { rows } = await db.sql.query(`SELECT context FROM agent_logs WHERE execution_id = $1 AND event_type = 'tool.approval_decided'`, [
      id,
    ]);
    expect(rows.map((r) => r.context)).toMatchObject([{ approved: true, reason: 'CI is green', toolName: 'run_tests' }]);
    await screenshot(page, SHOTS, '8-approved');
  });

  it("lists the tenant's conversations and pipelines, kept live by the feed", async () => {
    // An API node no worker serves: what it starts stays at its first turn or stage until acted on.
    const idleEnv = exampleEnv(db, 'postgres', { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off', AGENTS_DASHBOARD: 'off' });
    const idle = await startExampleApp(db, idleEnv.AGENTS_QUEUE_PREFIX, idleEnv);
    try {
      const alice = example.token({ userId: 'alice' });
      const post = async <T>(node: ExampleApp, path: string, body: object): Promise<T> => {
        const url = `http://127.0.0.1:${(node.app.getHttpServer().address() as AddressInfo).port}${path}`;
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status, path).toBeLessThan(300);
        return (await res.json()) as T;
      };
      const stages = [
        { name: 'gather', agent_type: 'steps' },
        { name: 'report', agent_type: 'steps' },
      ];
      const held = await post<{ id: string }>(idle, '/api/pipelines', { input: 'held', stages });
      const waiting = await post<{ conversation: { id: string }; execution_id: string }>(idle, '/api/conversations', {
        agent_type: 'steps',
        message: 'hello',
        title: 'Waiting chat',
      });

      const page = await openPage();
      await signIn(page, example.token({ userId: 'boss', admin: true }));
      await statusText(page, 'live', 'live').waitFor();
      await statusText(page, `pipeline-status-${held.id}`, 'running').waitFor();
      const waitingRow = page.locator(`[data-testid="conversation-${waiting.conversation.id}"]`);
      expect(await waitingRow.locator('td').allTextContents()).toEqual([
        'Waiting chat',
        'alice',
        'steps',
        '0',
        '0',
        expect.any(String),
        waiting.execution_id.slice(-8),
      ]);
      expect(await page.locator(`[data-testid="pipeline-${held.id}"] .stages li`).allTextContents()).toEqual([
        'gather pending',
        'report waiting',
      ]);

      // Started while the page is open: they appear, and move on, with no reload.
      const chat = await post<{ conversation: { id: string } }>(example, '/api/conversations', {
        agent_type: 'steps',
        message: 'hi',
        title: 'Live chat',
      });
      const done = await post<{ id: string }>(example, '/api/pipelines', { input: 'live', stages });
      const chatRow = page.locator(`[data-testid="conversation-${chat.conversation.id}"]`);
      await chatRow.locator('td', { hasText: /^1$/ }).waitFor({ timeout: 15_000 });
      expect(await chatRow.locator('td').first().textContent()).toBe('Live chat');
      await statusText(page, `pipeline-status-${done.id}`, 'completed').waitFor({ timeout: 15_000 });
      expect(await page.locator(`[data-testid="pipeline-${done.id}"] .stages li`).allTextContents()).toEqual([
        'gather completed',
        'report completed',
      ]);

      // A status change arrives live: the held pipeline is cancelled through the API.
      await post(example, `/api/pipelines/${held.id}/cancel`, {});
      await statusText(page, `pipeline-status-${held.id}`, 'cancelled').waitFor();
      expect(await page.locator(`[data-testid="pipeline-${held.id}"] .stages li`).allTextContents()).toEqual([
        'gather cancelled',
        'report skipped',
      ]);
      await screenshot(page, SHOTS, '6-conversations-pipelines');

      // The active turn opens in the execution view.
      await page.click(`[data-testid="conversation-active-${waiting.conversation.id}"] a`);
      await page.locator('[data-testid="view-id"]', { hasText: waiting.execution_id }).waitFor();
    } finally {
      await idle.close();
    }
  });
});
