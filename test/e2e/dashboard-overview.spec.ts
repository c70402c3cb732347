import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardOverview } from '../../client/index.js';
import { screenshot } from '../support/browser.js';
import { StatsDashboard, type WatchedPage } from '../support/stats-dashboard.js';

const SHOTS = 'dashboard';

/** The text of a tile's figure. */
const tile = (page: Page, name: string) => page.locator(`[data-testid="tile-${name}-value"]`);

/** The Overview in headless Chromium, against the example app and runs it really made. */
describe('dashboard: overview', () => {
  let dash: StatsDashboard;
  let watched: WatchedPage;
  const runs = { completed: [] as string[], failed: [] as string[], parked: [] as string[], running: '' };

  beforeAll(async () => {
    dash = await StatsDashboard.start();
    // Finished runs of two users (with tokens), failures enough for an alert, a run that keeps going, and runs parked three ways.
    for (const user of ['alice', 'bob', 'alice', 'bob', 'alice'])
      runs.completed.push((await dash.start({ steps: 2, tokens_per_step: 100 }, user)).id);
    for (let i = 0; i < 5; i++) runs.failed.push((await dash.start({ steps: 3, fail_at: 2, tokens_per_step: 10 }, 'bob')).id);
    runs.running = (await dash.start({ steps: 2000, step_ms: 100 }, 'carol')).id;
    runs.parked.push((await dash.start({ steps: 2, ask_input_at: 1 })).id);
    runs.parked.push((await dash.start({ steps: 1 }, 'alice', { run_at: new Date(Date.now() + 3_600_000).toISOString() })).id);
    runs.parked.push((await dash.start({ steps: 1 }, 'alice', { await_event: { event_type: 'never.happens' } })).id);
    await dash.settle(runs.completed, ['completed']);
    await dash.settle(runs.failed, ['failed']);
    await dash.settle([runs.running], ['running']);
    await dash.settle(runs.parked, ['awaiting_input', 'scheduled', 'awaiting_event']);
    await dash.stats<DashboardOverview>('overview', (o) => o.totals.completed === 5 && o.totals.failed === 5);
    watched = await dash.openPage();
  });

  afterAll(async () => {
    await dash?.close();
  });

  it("shows the window's totals, what runs and waits now, and an alert for a failing agent type", async () => {
    const { page } = watched;
    await dash.signIn(page, '#/');
    await page.locator('[data-testid="overview"][data-window="hour"]').waitFor();
    // Fourteen created (the scheduled one too), five completed, five failed.
    await tile(page, 'completed').filter({ hasText: /^5$/ }).waitFor();
    await tile(page, 'failed').filter({ hasText: /^5$/ }).waitFor();
    expect(await tile(page, 'started').textContent()).toBe('14');
    expect(await tile(page, 'failure-rate').textContent()).toBe('50.0 %');
    expect(await tile(page, 'running').textContent()).toBe('1');
    expect(await tile(page, 'awaiting_input').textContent()).toBe('1');
    expect(await tile(page, 'scheduled').textContent()).toBe('1');
    expect(await tile(page, 'awaiting_event').textContent()).toBe('1');
    expect(await tile(page, 'paused').textContent()).toBe('0');
    // 5 × 2 steps of 100 tokens, 5 × 1 step of 10 (the failing step records nothing).
    expect(await tile(page, 'tokens').textContent()).toBe('1,050');

    // The failing agent type is an alert, linking to its failed runs.
    const alert = page.locator('[data-testid="alert-failing_agent_type"]');
    await alert.waitFor();
    expect(await alert.locator('a').getAttribute('href')).toBe('#/runs?agent_type=steps&status=failed');
    // The charts drew the window's buckets, and the page says when its first data was drawn.
    expect(await page.locator('[data-testid="chart-runs"] canvas').count()).toBe(1);
    await page.waitForFunction(() => performance.getEntriesByName('overview-rendered', 'mark').length === 1);
    await screenshot(page, SHOTS, 'overview-desktop');

    // The window's failures link to the failed runs created since it began.
    const failed = new URL(`http://x/${(await page.getAttribute('[data-testid="tile-failed"]', 'href'))!.slice(2)}`);
    expect(failed.pathname).toBe('/runs');
    expect(failed.searchParams.get('status')).toBe('failed');
    const since = Date.now() - Date.parse(failed.searchParams.get('from')!);
    expect(since).toBeGreaterThan(3_500_000);
    expect(since).toBeLessThan(3_700_000);
    // A tile of parked runs opens the run list filtered by that status.
    await page.click('[data-testid="tile-awaiting_input"]');
    await page.waitForURL(/#\/runs\?status=awaiting_input$/);
    await page.goBack();
    await page.locator('[data-testid="overview"]').waitFor();
    expect(watched.problems).toEqual([]);
  });

  it('follows runs as they start and finish, without a reload', async () => {
    const { page } = watched;
    await page.locator('[data-testid="overview"]').waitFor();
    const started = Number(await tile(page, 'started').textContent());
    const completed = Number(await tile(page, 'completed').textContent());
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    const drawing = () => page.locator('[data-testid="chart-runs"] canvas').evaluate((canvas) => (canvas as HTMLCanvasElement).toDataURL());
    const before = await drawing();

    const fresh = [(await dash.start({ steps: 8, step_ms: 500 })).id, (await dash.start({ steps: 8, step_ms: 500 }, 'bob')).id];
    // Running now: the one that keeps going and the two new ones.
    await tile(page, 'running').filter({ hasText: /^3$/ }).waitFor({ timeout: 15_000 });
    await tile(page, 'started')
      .filter({ hasText: new RegExp(`^${started + 2}$`) })
      .waitFor({ timeout: 15_000 });
    await dash.settle(fresh, ['completed']);
    await tile(page, 'completed')
      .filter({ hasText: new RegExp(`^${completed + 2}$`) })
      .waitFor({ timeout: 15_000 });
    await tile(page, 'running').filter({ hasText: /^1$/ }).waitFor({ timeout: 15_000 });
    // The chart was drawn again with them, in place.
    expect(await drawing()).not.toBe(before);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(watched.problems).toEqual([]);
  });

  it('switches windows, from the keyboard too', async () => {
    const { page } = watched;
    await page.click('[data-testid="window-day"]');
    await page.locator('[data-testid="overview"][data-window="day"]').waitFor();
    expect(await page.locator('[data-testid="chart-runs"] figcaption').textContent()).toBe('Runs per 10 min');
    expect(await tile(page, 'failed').textContent()).toBe('5');
    await screenshot(page, SHOTS, 'overview-day');

    // The window holds across a reload of the tab; from the top of the page, Tab reaches the
    // navigation and the window picker, and Enter picks a window.
    await page.reload();
    await page.locator('[data-testid="overview"][data-window="day"]').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 30 && reached.at(-1) !== 'window-week'; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.textContent ?? ''),
      );
    }
    expect(reached).toContain('Overview');
    expect(reached).toContain('Queues');
    expect(reached).toContain('window-hour');
    expect(reached.at(-1)).toBe('window-week');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="overview"][data-window="week"]').waitFor();
    expect(await page.locator('[data-testid="chart-runs"] figcaption').textContent()).toBe('Runs per hour');
    expect(await page.getAttribute('[data-testid="window-week"]', 'aria-pressed')).toBe('true');
    expect(await tile(page, 'failed').textContent()).toBe('5');
    await page.click('[data-testid="window-hour"]');
    await page.locator('[data-testid="overview"][data-window="hour"]').waitFor();
    expect(watched.problems).toEqual([]);
  });

  it('fits a 390 px wide phone', async () => {
    const { page, problems } = await dash.openPage({ width: 390, height: 844 });
    await dash.signIn(page, '#/');
    await tile(page, 'failed').filter({ hasText: /^5$/ }).waitFor();
    await page.locator('[data-testid="chart-cost"] canvas').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, SHOTS, 'overview-390');
    expect(problems).toEqual([]);
  });

  it('lists a stuck run as an alert that opens it', async () => {
    const { page } = watched;
    // The scheduled run's time is long past and no worker took it: its job is still an hour away.
    const scheduled = runs.parked[1]!;
    await dash.db.sql.query(`UPDATE agent_executions SET scheduled_for = now() - interval '10 minutes' WHERE id = $1`, [scheduled]);
    await page.reload();
    const alert = page.locator('[data-testid="alert-stuck_execution"]');
    await alert.waitFor();
    expect(await alert.locator('a').getAttribute('href')).toBe(`#/runs/${scheduled}`);
    await alert.locator('a').click();
    await page.waitForURL(new RegExp(`#/runs/${scheduled}$`));
    expect(watched.problems).toEqual([]);
  });
});
