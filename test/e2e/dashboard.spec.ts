import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.js';
import { byText, DASHBOARD, dashboardInBrowser, pageScrollWidth, signIn, type DashboardPage } from '../support/dashboard-page.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';

const SHOTS = 'dashboard';

/** The admin dashboard in headless Chromium, against the example app as `npm start` runs it: access, a run's life, approvals, conversations, pipelines. */
describe('admin dashboard in a browser', () => {
  const app = dashboardInBrowser();

  const open = (width?: number): Promise<DashboardPage> => app.open(width);

  const start = async (userId: string, agentType: string, input: unknown): Promise<string> => {
    const res = await fetch(`${app.base}/api/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.example.token({ userId })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_type: agentType, input }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  it('serves nothing when the dashboard is disabled', async () => {
    const env = exampleEnv(app.db, 'postgres', { AGENTS_DASHBOARD: 'off', AGENTS_WORKERS: 'off' });
    const off = await startExampleApp(app.db, env.AGENTS_QUEUE_PREFIX, env);
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
    const user = app.example.token({ userId: 'alice' });
    const { page, problems } = await open();
    await page.goto(`${app.base}${DASHBOARD}`);
    await page.fill('#token', user);
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('[data-testid="sign-in-error"]', { hasText: '403' }).waitFor();
    expect(await page.isVisible('[data-testid="who"]')).toBe(false);
    await screenshot(page, SHOTS, '01-non-admin-refused');
    // The refusal itself is all the browser reports; bull-board's error pages below are not the dashboard's.
    expect(problems.filter((p) => !/status of 403/.test(p))).toEqual([]);

    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${app.base}${path}`, { ...init, headers: { authorization: `Bearer ${user}` } });
    expect((await api('/api/admin/agents')).status).toBe(403);
    expect((await api('/api/admin/agents/queues')).status).toBe(403);
    const session = await api('/api/admin/dashboard/session', { method: 'POST' });
    expect(session.status).toBe(403);
    expect(session.headers.get('set-cookie')).toBeNull();

    // bull-board: nobody without the cookie; with a validly signed cookie of a non-admin, still no.
    expect((await page.goto(`${app.base}${DASHBOARD}/queues/`))?.status()).toBe(401);
    expect((await fetch(`${app.base}${DASHBOARD}/queues/api/queues`)).status).toBe(401);
    const { token } = (await (await api('/api/agents/realtime-token')).json()) as { token: string };
    await page.context().addCookies([{ name: 'agents_dashboard', value: token, url: `${app.base}${DASHBOARD}` }]);
    expect((await page.goto(`${app.base}${DASHBOARD}/queues/`))?.status()).toBe(403);
    expect((await page.context().request.get(`${app.base}${DASHBOARD}/queues/api/queues`)).status()).toBe(403);
    // A forged one is no better.
    await page.context().addCookies([{ name: 'agents_dashboard', value: `${token.split('.')[0]}.forged`, url: `${app.base}${DASHBOARD}` }]);
    expect((await page.goto(`${app.base}${DASHBOARD}/queues/`))?.status()).toBe(401);
    problems.length = 0;
  });

  it('lets an admin start a run, watch its steps and logs live, pause and resume it, and see it complete', async () => {
    const { page } = await open();
    await signIn(page, app.base, app.example.token({ userId: 'boss', admin: true }));
    await page.locator('[data-testid="who"]', { hasText: 'boss' }).waitFor();

    // bull-board's cookie came with the sign-in: HttpOnly, SameSite=Strict, only sent to the dashboard.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'agents_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: DASHBOARD });

    await page.click('a[href="#/runs"]');
    await page.click('.start-run summary');
    await page.selectOption('[data-testid="start-agent-type"]', 'steps');
    await page.fill('[data-testid="start-input"]', JSON.stringify({ steps: 6, step_ms: 500, tokens_per_step: 10 }));
    await page.click('[data-testid="start-form"] button[type=submit]');
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    expect(await page.textContent('[data-testid="view-id"]')).toBe(id);

    // The steps count follows the run, with no reload.
    await byText(page, 'view-status', 'running').waitFor();
    await byText(page, 'view-steps', /^[1-4]$/).waitFor();
    await screenshot(page, SHOTS, '02-running');

    await page.click('[data-testid="action-pause"]');
    await byText(page, 'view-status', 'paused').waitFor();
    const { rows } = await app.db.sql.query<{ status: string; step_count: number }>(
      'SELECT status, step_count FROM agent_executions WHERE id = $1',
      [id],
    );
    expect(rows[0]).toMatchObject({ status: 'paused' });
    expect(rows[0]!.step_count).toBeLessThan(6);
    // Paused after the step in flight: the count and the timeline show exactly the steps committed, then the pause.
    await byText(page, 'view-steps', String(rows[0]!.step_count)).waitFor();
    await page.locator('[data-testid="timeline-gap"][data-status="paused"]').waitFor();
    expect(await page.locator('[data-testid="timeline"] > li[data-step]').count()).toBe(rows[0]!.step_count);
    await page
      .locator('[data-testid="transcript-entry"]')
      .nth(rows[0]!.step_count - 1)
      .waitFor();
    expect(await page.isDisabled('[data-testid="action-pause"]')).toBe(true);
    expect(await page.isEnabled('[data-testid="action-resume"]')).toBe(true);
    await screenshot(page, SHOTS, '03-paused');

    await page.click('[data-testid="action-resume"]');
    await byText(page, 'view-status', 'completed').waitFor({ timeout: 15_000 });
    await byText(page, 'view-steps', '6').waitFor();
    await byText(page, 'view-tokens', '60').waitFor();
    await page.locator('[data-testid="result"]', { hasText: '"steps_done": 6' }).waitFor();
    // The logs streamed the whole run: every step once, the pause, the end.
    const logs = await page.locator('[data-testid="logs"] li').allTextContents();
    expect(logs.filter((l) => l.includes('step_completed'))).toHaveLength(6);
    expect(logs.some((l) => /paused/i.test(l))).toBe(true);
    expect(logs.some((l) => /completed/i.test(l) && !l.includes('step_completed'))).toBe(true);
    expect(await page.isDisabled('[data-testid="action-cancel"]')).toBe(true);
    const steps = page.locator('[data-testid="timeline"] > li[data-step]');
    await steps.nth(5).waitFor();
    expect(await steps.evaluateAll((li) => li.map((l) => Number((l as HTMLElement).dataset.step)))).toEqual([1, 2, 3, 4, 5, 6]);
    await screenshot(page, SHOTS, '04-completed');

    // Back to the list: the run's row says completed.
    await page.goBack();
    await byText(page, `row-status-${id}`, 'completed').waitFor();

    // Queue internals: bull-board in a new tab, let in by the cookie.
    const [board] = await Promise.all([page.context().waitForEvent('page'), page.click('[data-testid="open-queues"]')]);
    await board.waitForLoadState();
    expect(board.url()).toBe(`${app.base}${DASHBOARD}/queues`);
    await board.getByText('agents-default').first().waitFor();
    await board.close();
  });

  it('sends input to a run that asks for it, and cancels or kills a run only once asked twice', async () => {
    const slow = await start('alice', 'steps', { steps: 50, step_ms: 300 });
    const asking = await start('alice', 'steps', { steps: 50, step_ms: 300, ask_input_at: 1 });
    const { page } = await open();
    await signIn(page, app.base, app.example.token({ userId: 'boss', admin: true }), `#/runs/${slow}`);
    await byText(page, 'view-status', 'running').waitFor();

    // The first press only asks; "Keep" takes it back.
    await page.click('[data-testid="action-cancel"]');
    await page.locator('[role="group"][aria-label^="Cancel this run"]').waitFor();
    await page.getByRole('button', { name: 'Keep' }).click();
    await page.locator('[data-testid="action-cancel"]').waitFor();
    expect((await app.db.sql.query('SELECT status FROM agent_executions WHERE id = $1', [slow])).rows[0]).toEqual({ status: 'running' });

    await page.click('[data-testid="action-cancel"]');
    await page.click('[data-testid="action-cancel-confirm"]');
    await byText(page, 'view-status', 'cancelled').waitFor();
    expect(await page.isVisible('[data-testid="action-retry"]')).toBe(true);

    // Input while it waits for some: it goes on; then a kill, asked twice too.
    await page.goto(`${app.base}${DASHBOARD}#/runs/${asking}`);
    await byText(page, 'view-status', 'awaiting_input').waitFor();
    await page.fill('[data-testid="input-value"]', '{"answer": 42}');
    await page.click('[data-testid="action-input"]');
    await byText(page, 'view-status', 'running').waitFor();
    await page.locator('[data-testid="logs"] li', { hasText: 'input' }).first().waitFor();
    await page.click('[data-testid="action-kill"]');
    await page.click('[data-testid="action-kill-confirm"]');
    await byText(page, 'view-status', 'cancelled').waitFor();
  });

  it('shows the tool calls a run waits on, and a click on Approve runs the tool', async () => {
    const id = await start('alice', 'code-assistant', { prompt: 'Please run the tests' });
    const { page } = await open();
    await signIn(page, app.base, app.example.token({ userId: 'boss', admin: true }), `#/runs/${id}`);
    await page.locator('[data-testid="view-id"]', { hasText: id }).waitFor();

    const approvals = page.locator('[data-testid="approvals"]');
    await approvals.locator('li', { hasText: 'run_tests' }).waitFor();
    await byText(page, 'view-status', 'awaiting_input').waitFor();
    expect(await approvals.locator('li code').textContent()).toBe('{"filter":"Please run the tests"}');
    // Input is refused while calls wait for a decision: its controls are grey.
    expect(await page.isDisabled('[data-testid="action-input"]')).toBe(true);
    await screenshot(page, SHOTS, '05-awaiting-approval');

    await page.fill('[data-testid="approval-reason"]', 'CI is green');
    await approvals.locator('[data-testid="approve"]').click();
    await byText(page, 'view-status', 'completed').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="result"]', { hasText: '1 passed' }).waitFor();
    await approvals.waitFor({ state: 'hidden' });
    const logs = await page.locator('[data-testid="logs"] li').allTextContents();
    expect(logs.some((l) => l.includes('tool.approval_requested'))).toBe(true);
    expect(logs.some((l) => l.includes('tool.approval_decided') && l.includes('run_tests approved'))).toBe(true);
    const { rows } = await app.db.sql.query(
      `SELECT context FROM agent_logs WHERE execution_id = $1 AND event_type = 'tool.approval_decided'`,
      [id],
    );
    expect(rows.map((r) => r.context)).toMatchObject([{ approved: true, reason: 'CI is green', toolName: 'run_tests' }]);
    // The transcript: the question, the call with its arguments, its result, the answer.
    await page.locator('[data-testid="transcript-tool-result"]', { hasText: 'run_tests' }).waitFor();
    expect(await page.locator('[data-testid="transcript-tool-call"]', { hasText: 'run_tests' }).textContent()).toContain(
      '"filter": "Please run the tests"',
    );
  });

  it("lists the tenant's conversations and pipelines, kept live by the feed, and shows one of each", async () => {
    // An API node no worker serves: what it starts stays at its first turn or stage until acted on.
    const idleEnv = exampleEnv(app.db, 'postgres', { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off', AGENTS_DASHBOARD: 'off' });
    const idle = await startExampleApp(app.db, idleEnv.AGENTS_QUEUE_PREFIX, idleEnv);
    try {
      const alice = app.example.token({ userId: 'alice' });
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
        {
          parallel: [
            { name: 'left', agent_type: 'steps' },
            { name: 'right', agent_type: 'steps' },
          ],
        },
        { name: 'report', agent_type: 'steps' },
      ];
      const held = await post<{ id: string }>(idle, '/api/pipelines', { input: 'held', stages });
      const waiting = await post<{ conversation: { id: string }; execution_id: string }>(idle, '/api/conversations', {
        agent_type: 'steps',
        message: 'hello',
        title: 'Waiting chat',
      });

      const { page } = await open();
      await signIn(page, app.base, app.example.token({ userId: 'boss', admin: true }), '#/pipelines');
      await byText(page, `pipeline-status-${held.id}`, 'running').waitFor();
      expect(await page.locator(`[data-testid="pipeline-${held.id}"] .stages li`).allTextContents()).toEqual([
        'gather pending',
        'left waiting ‖ right waiting',
        'report waiting',
      ]);

      // Started while the page is open: it appears, and moves on, with no reload.
      const done = await post<{ id: string }>(app.example, '/api/pipelines', { input: 'live', stages });
      await byText(page, `pipeline-status-${done.id}`, 'completed').waitFor({ timeout: 15_000 });
      expect(await page.locator(`[data-testid="pipeline-${done.id}"] .stages li`).allTextContents()).toEqual([
        'gather completed',
        'left completed ‖ right completed',
        'report completed',
      ]);
      // One pipeline's page follows it too: the held one, cancelled through the API.
      await page.click(`[data-testid="pipeline-${held.id}"] a`);
      await byText(page, 'stage-status-gather', 'pending').waitFor();
      await post(app.example, `/api/pipelines/${held.id}/cancel`, {});
      await byText(page, 'pipeline-status', 'cancelled').waitFor();
      await byText(page, 'stage-status-gather', 'cancelled').waitFor();
      for (const name of ['left', 'right', 'report']) await byText(page, `stage-status-${name}`, 'skipped').waitFor();
      await page.goBack();
      await byText(page, `pipeline-status-${held.id}`, 'cancelled').waitFor();
      await screenshot(page, SHOTS, '06-pipelines');
      // The user filter applies as typing pauses: another user's list is empty, the owner's has them again.
      await page.fill('[data-testid="pipelines-filter-user"]', 'nobody');
      await page.locator('p.muted', { hasText: 'No pipelines.' }).waitFor();
      expect(await page.locator(`[data-testid="pipeline-${held.id}"]`).count()).toBe(0);
      await page.fill('[data-testid="pipelines-filter-user"]', ' alice ');
      await page.locator(`[data-testid="pipeline-${done.id}"]`).waitFor();

      // The graph: a box per stage, the parallel ones stacked in one column, each with its status and output.
      await page.click(`[data-testid="pipeline-${done.id}"] a`);
      await byText(page, 'pipeline-status', 'completed').waitFor();
      const columns = page.locator('[data-testid="stage-graph"] > li');
      expect(await columns.count()).toBe(3);
      expect(await columns.nth(1).locator('.stage-box').count()).toBe(2);
      const left = await page.locator('[data-testid="stage-left"]').boundingBox();
      const right = await page.locator('[data-testid="stage-right"]').boundingBox();
      const gather = await page.locator('[data-testid="stage-gather"]').boundingBox();
      expect(right!.y).toBeGreaterThan(left!.y + left!.height - 1);
      expect(Math.abs(right!.x - left!.x)).toBeLessThan(2);
      expect(left!.x).toBeGreaterThan(gather!.x + gather!.width);
      expect(await byText(page, 'stage-status-report', 'completed').count()).toBe(1);
      await page.click('[data-testid="stage-report"] summary');
      await page.locator('[data-testid="stage-output-report"]', { hasText: 'steps_done' }).waitFor();
      await screenshot(page, SHOTS, '07-pipeline-graph');

      // Conversations: the list, live, then one conversation's history by turn.
      await page.click('a[href="#/conversations"]');
      const waitingRow = page.locator(`[data-testid="conversation-${waiting.conversation.id}"]`);
      await waitingRow.waitFor();
      expect(await waitingRow.locator('td').allTextContents()).toEqual([
        'Waiting chat',
        'alice',
        'steps',
        '0',
        '0',
        expect.any(String),
        waiting.execution_id.slice(-8),
      ]);
      const chat = await post<{ conversation: { id: string } }>(app.example, '/api/conversations', {
        agent_type: 'steps',
        message: 'hi',
        title: 'Live chat',
      });
      const chatRow = page.locator(`[data-testid="conversation-${chat.conversation.id}"]`);
      await chatRow.locator('td', { hasText: /^1$/ }).waitFor({ timeout: 15_000 });
      await screenshot(page, SHOTS, '08-conversations');
      await page.fill('[data-testid="conversations-filter-user"]', 'nobody');
      await page.locator('p.muted', { hasText: 'No conversations.' }).waitFor();
      expect(await chatRow.count()).toBe(0);
      await page.fill('[data-testid="conversations-filter-user"]', 'alice');
      await chatRow.waitFor();

      // A second turn while the conversation is open: it appears under its own run, with its status.
      await chatRow.locator('a').first().click();
      await byText(page, 'conversation-title', 'Live chat').waitFor();
      await page.locator('[data-testid="turns"] > li').first().waitFor();
      await post(app.example, `/api/conversations/${chat.conversation.id}/messages`, { message: 'again' });
      await page.locator('[data-testid="turns"] > li').nth(1).waitFor({ timeout: 15_000 });
      await byText(page.locator('[data-testid="turns"] > li').nth(1), 'turn-status', 'completed').waitFor({ timeout: 15_000 });
      const turns = page.locator('[data-testid="turns"] > li');
      expect(await turns.nth(0).locator('[data-testid="conversation-message"][data-role="user"]').textContent()).toContain('hi');
      expect(await turns.nth(1).locator('[data-testid="conversation-message"][data-role="user"]').textContent()).toContain('again');
      await screenshot(page, SHOTS, '09-conversation');
      // Its turn's link opens the run.
      await turns.nth(1).locator('[data-testid="turn-run"]').click();
      await page.waitForURL(/#\/runs\//);
      await page.locator('[data-testid="view-conversation"]').waitFor();
      expect(await pageScrollWidth(page)).toBeLessThanOrEqual(1280);
    } finally {
      await idle.close();
    }
  });
});
