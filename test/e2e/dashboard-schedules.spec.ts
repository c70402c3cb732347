import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../client/index.js';
import { screenshot } from '../support/browser.js';
import { byText, dashboardInBrowser, pageScrollWidth, signIn } from '../support/dashboard-page.js';

const SHOTS = 'dashboard';
const PHONE = 390;
/** The file's tenant: its list holds only the schedules made here. */
const TENANT = 'schedules';

/** The dashboard's Schedules view in headless Chromium: the rows and their facts, the filters, pause, resume, delete, the link to a run. */
describe('dashboard schedules in a browser', () => {
  const app = dashboardInBrowser();

  const token = (userId: string, extra: { tier?: string; admin?: boolean } = {}) =>
    app.example.token({ tenantId: TENANT, userId, ...extra });

  async function create(userId: string, tier: string, body: object): Promise<Schedule> {
    const res = await fetch(`${app.base}/api/schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(userId, { tier })}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Schedule;
  }
  /** The schedule as an admin of the tenant reads it (null once deleted). */
  async function read(id: string): Promise<Schedule | null> {
    const res = await fetch(`${app.base}/api/admin/schedules/${id}`, {
      headers: { authorization: `Bearer ${token('boss', { admin: true })}` },
    });
    if (res.status === 404) return null;
    expect(res.status).toBe(200);
    return (await res.json()) as Schedule;
  }
  async function row(id: string): Promise<{ status: string; next_run_at: Date | null } | undefined> {
    const { rows } = await app.db.sql.query<{ status: string; next_run_at: Date | null }>(
      'SELECT status, next_run_at FROM agent_schedules WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  const rowIds = (page: Page) =>
    page
      .locator('[data-testid="schedules"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.testid!.slice('schedule-'.length)));
  /** The list shows exactly `ids`, in this order, once the filters applied. */
  const shows = (page: Page, ids: string[]) => expect.poll(() => rowIds(page), { timeout: 5000 }).toEqual(ids);
  const cells = (page: Page, id: string) => page.locator(`[data-testid="schedule-${id}"] td`).allTextContents();

  it("lists the tenant's schedules with their facts, filters them, pauses, resumes and deletes one, and links a schedule's last run", async () => {
    // alice's ticks every second (an unlimited tier); bob's are paused, or refused: his free tier runs one at a
    // time, and the first tick's run waits for input, so every tick after it is refused.
    const ticking = await create('alice', 'test', { agent_type: 'steps', input: { steps: 1 }, cron: '* * * * * *' });
    const paused = await create('bob', 'test', {
      agent_type: 'steps',
      input: { steps: 1 },
      cron: '0 7 * * 1-5',
      time_zone: 'Europe/Paris',
      paused: true,
    });
    const refused = await create('bob', 'free', { agent_type: 'steps', input: { steps: 1, ask_input_at: 1 }, cron: '* * * * * *' });
    await expect.poll(async () => (await read(ticking.id))?.last_execution_id, { timeout: 10_000 }).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(async () => (await read(refused.id))?.refused_count, { timeout: 10_000 }).toBeGreaterThan(0);

    const opening = await app.open();
    const { page } = opening;
    await signIn(page, app.base, token('boss', { admin: true }), '#/schedules');
    // Newest first; each row's facts.
    await shows(page, [refused.id, paused.id, ticking.id]);
    expect(await cells(page, ticking.id)).toEqual([
      'steps',
      'alice',
      '* * * * * * UTC',
      'active',
      expect.stringMatching(/\d/),
      expect.stringMatching(/\d.* [0-9a-f]{8}$/),
      expect.stringMatching(/^[1-9]\d*$/),
      '0',
      '',
      'Pause Delete',
    ]);
    expect(await cells(page, paused.id)).toEqual([
      'steps',
      'bob',
      '0 7 * * 1-5 Europe/Paris',
      'paused',
      '—',
      '—',
      '0',
      '0',
      '',
      'Resume Delete',
    ]);
    expect(await cells(page, refused.id)).toEqual([
      'steps',
      'bob',
      '* * * * * * UTC',
      'active',
      expect.stringMatching(/\d/),
      expect.stringMatching(/\d.* [0-9a-f]{8}$/),
      '1',
      expect.stringMatching(/^[1-9]\d*$/),
      expect.stringMatching(/^rate_limited: Concurrency limit reached/),
      'Pause Delete',
    ]);
    expect(await page.getAttribute(`[data-testid="schedule-error-${refused.id}"]`, 'title')).toBe(
      'rate_limited: Concurrency limit reached (1 at once)',
    );
    expect(await page.locator(`[data-testid="schedule-last-run-${paused.id}"]`).count()).toBe(0);
    // The navigation names it, after Pipelines.
    expect(await page.locator('nav[aria-label="Dashboard"] a').allTextContents()).toEqual([
      'Overview',
      'Runs',
      'Conversations',
      'Pipelines',
      'Schedules',
      'Queues',
      'Usage',
    ]);
    expect(await page.getAttribute('nav a[href="#/schedules"]', 'aria-current')).toBe('page');
    await screenshot(page, SHOTS, 'schedules-desktop');

    // Filters: by status, by user (applied as typing pauses), and back.
    await page.selectOption('[data-testid="schedules-filter-status"]', 'paused');
    await shows(page, [paused.id]);
    await page.selectOption('[data-testid="schedules-filter-status"]', 'active');
    await shows(page, [refused.id, ticking.id]);
    await page.selectOption('[data-testid="schedules-filter-status"]', '');
    await page.fill('[data-testid="schedules-filter-user"]', 'alice');
    await shows(page, [ticking.id]);
    await page.fill('[data-testid="schedules-filter-user"]', 'bob');
    await shows(page, [refused.id, paused.id]);
    await page.fill('[data-testid="schedules-filter-user"]', '');
    await shows(page, [refused.id, paused.id, ticking.id]);

    // Pause and resume from the page, by each button's name: the row and the schedule itself follow.
    await page.getByRole('button', { name: `Pause schedule ${ticking.id}` }).click();
    await byText(page, `schedule-status-${ticking.id}`, 'paused').waitFor();
    await byText(page, `schedule-next-${ticking.id}`, '—').waitFor();
    expect(await row(ticking.id)).toEqual({ status: 'paused', next_run_at: null });
    await page.getByRole('button', { name: `Resume schedule ${ticking.id}` }).click();
    await byText(page, `schedule-status-${ticking.id}`, 'active').waitFor();
    expect(await row(ticking.id)).toMatchObject({ status: 'active', next_run_at: expect.any(Date) });
    await page.getByRole('button', { name: `Pause schedule ${ticking.id}` }).waitFor();

    // Delete, asked first: the first press only asks.
    await page.click(`[data-testid="schedule-delete-${paused.id}"]`);
    await page.locator(`[role="group"][aria-label="Schedule ${paused.id}"] [role="group"][aria-label^="Delete this schedule?"]`).waitFor();
    expect(await read(paused.id)).not.toBeNull();
    await page.click(`[data-testid="schedule-delete-${paused.id}-confirm"]`);
    await page.locator(`[data-testid="schedule-${paused.id}"]`).waitFor({ state: 'detached' });
    expect(await row(paused.id)).toBeUndefined();
    await shows(page, [refused.id, ticking.id]);

    // Deleted behind the page's back: the action says why it failed, and the row goes.
    expect(
      (
        await fetch(`${app.base}/api/admin/schedules/${refused.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token('boss', { admin: true })}` },
        })
      ).status,
    ).toBe(204);
    await page.click(`[data-testid="schedule-pause-${refused.id}"]`);
    await page.locator('p.error[role="alert"]', { hasText: /^Pause: .*\(404\)$/ }).waitFor();
    await shows(page, [ticking.id]);
    // The 404 itself is all the browser reports.
    expect(opening.problems).toEqual([expect.stringMatching(/status of 404/)]);
    opening.problems.length = 0;

    // On a phone the table scrolls in its box, not the page.
    await page.setViewportSize({ width: PHONE, height: 900 });
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(PHONE);
    await screenshot(page, SHOTS, 'schedules-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // The last run's link opens it: an execution the schedule started.
    const link = page.locator(`[data-testid="schedule-last-run-${ticking.id}"]`);
    const runId = (await link.getAttribute('href'))!.split('/').pop()!;
    await link.click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    await page.locator('[data-testid="view-id"]', { hasText: runId }).waitFor();
    const { rows } = await app.db.sql.query<{ schedule_id: string }>(
      `SELECT metadata->>'schedule_id' AS schedule_id FROM agent_executions WHERE id = $1`,
      [runId],
    );
    expect(rows).toEqual([{ schedule_id: ticking.id }]);
  });
});
