import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardUsage } from '../../client/index.js';
import { screenshot } from '../support/browser.js';
import { DASHBOARD } from '../support/dashboard-page.js';
import { StatsDashboard } from '../support/stats-dashboard.js';

const SHOTS = 'dashboard';

/** The Queues and Usage views in headless Chromium, and bull-board behind them, against the example app. */
describe('dashboard: queues and usage', () => {
  let dash: StatsDashboard;

  beforeAll(async () => {
    dash = await StatsDashboard.start();
    // Model calls of two users (the demo agent's model is priced at the default, $0.003 per 1k input tokens),
    // and a run scheduled in an hour: a delayed job on its queue.
    const done = [
      (await dash.start({ steps: 2, tokens_per_step: 500 }, 'alice')).id,
      (await dash.start({ steps: 2, tokens_per_step: 500 }, 'alice')).id,
      (await dash.start({ steps: 1, tokens_per_step: 3000 }, 'bob')).id,
    ];
    await dash.start({ steps: 1 }, 'carol', { run_at: new Date(Date.now() + 3_600_000).toISOString() });
    await dash.settle(done, ['completed']);
    await dash.api('PUT', '/api/admin/budgets', { user_id: 'alice', monthly_usd: 0.01 });
    await dash.api('PUT', '/api/admin/budgets', { user_id: 'bob', monthly_usd: 0.01 });
    await dash.api('PUT', '/api/admin/budgets', { monthly_tokens: 10_000 });
    await dash.stats<DashboardUsage>('usage', (usage) => usage.by_user.length === 2);
  });

  afterAll(async () => {
    await dash?.close();
  });

  it("shows each queue's depth, throughput and wait, and the workers on it", async () => {
    const { page, problems } = await dash.openPage();
    await dash.signIn(page, '#/queues');
    const queue = page.locator('[data-testid="queue-agents-default"]');
    await queue.waitFor();
    expect(await page.locator('[data-testid="queues"] > section').count()).toBe(3);
    expect(await queue.locator('[data-testid="queue-agents-default-delayed-value"]').textContent()).toBe('1');
    expect(await queue.locator('[data-testid="queue-agents-default-waiting-value"]').textContent()).toBe('0');
    expect(await queue.locator('canvas').count()).toBe(2);
    // This process's workers, as BullMQ reports them: one connection per queue at least.
    const workers = queue.locator('[data-testid="queue-agents-default-workers"] tbody tr');
    expect(await workers.count()).toBeGreaterThanOrEqual(1);
    expect(await workers.first().locator('td').first().textContent()).not.toBe('');
    await screenshot(page, SHOTS, 'queues-desktop');
    expect(problems).toEqual([]);
  });

  it('shows cost and tokens by model and by user, the costliest first, and every budget as a meter', async () => {
    const { page, problems } = await dash.openPage();
    await dash.signIn(page, '#/usage');
    await page.locator('[data-testid="usage"]').waitFor();
    const rows = (table: string) =>
      page.locator(`[data-testid="${table}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    // Name, cost, calls, input and output tokens.
    expect(await rows('usage-by-model')).toEqual([['steps', '$0.0150', '5', '5,000', '0']]);
    expect(await rows('usage-by-user')).toEqual([
      ['bob', '$0.0090', '1', '3,000', '0'],
      ['alice', '$0.0060', '4', '2,000', '0'],
    ]);
    expect(await page.textContent('[data-testid="usage-cost-value"]')).toBe('$0.0150');

    // Budgets: the tenant's in tokens, each user's in dollars, as meters with their values and text.
    const alice = page.getByRole('meter', { name: 'alice budget, USD' });
    expect(await alice.getAttribute('aria-valuenow')).toBe('0.006');
    expect(await alice.getAttribute('aria-valuemax')).toBe('0.01');
    expect(await alice.getAttribute('aria-valuetext')).toBe('$0.0060 spent + $0.0000 reserved of $0.0100 (60.0 %)');
    const tenant = page.getByRole('meter', { name: 'Tenant budget, tokens' });
    expect(await tenant.getAttribute('aria-valuenow')).toBe('5000');
    expect(await page.textContent('[data-testid="budget-bob-usd"]')).toContain('near the limit');
    expect(await page.locator('[data-testid="budgets"] > li').count()).toBe(3);
    await screenshot(page, SHOTS, 'usage-desktop');

    // The overview's alert for a budget near its limit leads here.
    await page.goto(`${dash.base}${DASHBOARD}#/`);
    const alert = page.locator('[data-testid="alert-budget_near_limit"]', { hasText: 'bob' });
    await alert.locator('a').click();
    await page.waitForURL(/#\/usage$/);
    expect(problems).toEqual([]);
  });

  it('fits a 390 px wide phone', async () => {
    const { page, problems } = await dash.openPage({ width: 390, height: 844 });
    await dash.signIn(page, '#/queues');
    await page.locator('[data-testid="queue-agents-priority"] canvas').nth(1).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, SHOTS, 'queues-390');
    await page.click('nav >> text=Usage');
    await page.locator('[data-testid="budgets"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, SHOTS, 'usage-390');
    expect(problems).toEqual([]);
  });

  it('opens bull-board from the Queues view, and nothing on its page leaves the machine', async () => {
    const { page, problems } = await dash.openPage();
    const hosts = new Set<string>();
    const record = (request: Request) => hosts.add(new URL(request.url()).hostname);
    page.context().on('request', record);
    await dash.signIn(page, '#/queues');

    const [board] = await Promise.all([page.context().waitForEvent('page'), page.click('[data-testid="queues-board"]')]);
    await board.waitForLoadState('load');
    expect(board.url()).toBe(`${dash.base}${DASHBOARD}/queues`);
    await board.getByText('agents-default').first().waitFor();
    // Its page and every file and call it makes: only this machine.
    await board.waitForLoadState('networkidle');
    expect([...hosts]).toEqual(['127.0.0.1']);
    const html = await (await page.context().request.get(`${dash.base}${DASHBOARD}/queues/`)).text();
    expect(html).toContain('static/js/');
    expect(html).not.toMatch(/https?:\/\//);
    await screenshot(board, SHOTS, 'queues-bull-board');
    expect(problems).toEqual([]);
  });
});
