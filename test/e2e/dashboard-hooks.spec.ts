import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { HookDelivery } from '../../client/index.js';
import { screenshot } from '../support/browser.js';
import { byText, DASHBOARD, dashboardInBrowser, pageScrollWidth, signIn } from '../support/dashboard-page.js';
import { waitForStatus } from '../support/test-app.js';

const SHOTS = 'dashboard';
const PHONE = 390;
/** The file's tenant. The example app has no `hooks.secret`: each attempt fails at once, nothing leaves the machine. */
const TENANT = 'hooks';
const NO_SECRET = `no signing secret for tenant ${TENANT} (hooks.secret)`;
const target = (path: string) => `https://hooks.example.invalid${path}`;

/** The run view's Hook deliveries panel in headless Chromium: each delivery's facts, its attempt log, Redeliver on a failed one. */
describe('dashboard hook deliveries in a browser', () => {
  const app = dashboardInBrowser();
  const token = (userId: string, admin = false) => app.example.token({ tenantId: TENANT, userId, admin });

  async function call(method: string, path: string, body?: object): Promise<Response> {
    const res = await fetch(`${app.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token('alice')}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return res;
  }
  /** alice's run of `steps` with `hooks`, once it reached `status`. */
  async function start(input: object, hooks: { url: string; events?: string[] }[], status = 'completed'): Promise<string> {
    const options = hooks.length > 0 ? { options: { hooks } } : {};
    const { id } = (await (await call('POST', '/api/agents', { agent_type: 'steps', input, ...options })).json()) as { id: string };
    await waitForStatus(app.example, app.db, id, [status]);
    return id;
  }
  async function deliveries(runId: string): Promise<HookDelivery[]> {
    const res = await fetch(`${app.base}/api/admin/agents/${runId}/hooks`, { headers: { authorization: `Bearer ${token('boss', true)}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: HookDelivery[] }).data;
  }
  const cells = (page: Page, id: string) => page.locator(`[data-testid="hook-${id}"] > tr:first-child > td`).allTextContents();

  it('shows the deliveries of a run with their facts and attempt log, and redelivers a failed one', async () => {
    // Asks for input, then completes: a delivery for each, to a target of its own.
    const runId = await start(
      { steps: 2, ask_input_at: 1 },
      [
        { url: target('/asked'), events: ['execution.awaiting_input'] },
        { url: target('/done'), events: ['execution.completed'] },
      ],
      'awaiting_input',
    );
    await call('POST', `/api/agents/${runId}/input`, { input: 'go on' });
    await waitForStatus(app.example, app.db, runId, ['completed']);
    const later = await start({ steps: 1 }, [{ url: target('/later') }]);
    const quiet = await start({ steps: 1 }, []);
    await expect.poll(async () => (await deliveries(runId)).map((d) => d.status), { timeout: 10_000 }).toEqual(['failed', 'failed']);
    await expect.poll(async () => (await deliveries(later)).map((d) => d.status), { timeout: 10_000 }).toEqual(['failed']);
    const [one, two] = (await deliveries(runId)) as [HookDelivery, HookDelivery];
    const [three] = (await deliveries(later)) as [HookDelivery];
    // What the delivery worker records of a receiver that answered 204 on a retry, and of a retry due in an hour.
    await app.db.sql.query(
      `UPDATE agent_hook_deliveries SET status = 'delivered', attempts = 2, last_status_code = 204, last_error = NULL, delivered_at = now(),
         attempt_log = attempt_log || jsonb_build_array(jsonb_build_object('at', now(), 'status_code', 204, 'error', NULL, 'duration_ms', 42))
       WHERE id = $1`,
      [two.id],
    );
    await app.db.sql.query(
      `UPDATE agent_hook_deliveries SET status = 'pending', next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
      [three.id],
    );

    const opening = await app.open();
    const { page } = opening;
    await signIn(page, app.base, token('boss', true), `#/runs/${runId}`);
    const panel = page.locator('[data-testid="hooks"]');
    await panel.waitFor();
    expect(await page.getAttribute('[data-testid="hooks"]', 'aria-labelledby')).toBe('hooks-title');
    expect(await page.locator('#hooks-title').innerText()).toBe('Hook deliveries');
    // Oldest first, one row group per delivery.
    const ids = await page
      .locator('[data-testid="hook-deliveries"] > tbody')
      .evaluateAll((groups) => groups.map((g) => (g as HTMLElement).dataset.testid!.slice('hook-'.length)));
    expect(ids).toEqual([one.id, two.id]);
    expect(await page.locator('[data-testid="hook-deliveries"] th').allTextContents()).toEqual([
      'Event',
      'Target',
      'Status',
      'Attempts',
      'Last answer',
      'Next attempt / delivered',
      'Actions',
    ]);
    expect(await cells(page, one.id)).toEqual([
      'execution.awaiting_input',
      target('/asked'),
      'failed',
      '1',
      NO_SECRET,
      '—',
      'Attempt log Redeliver',
    ]);
    expect(await cells(page, two.id)).toEqual([
      'execution.completed',
      target('/done'),
      'delivered',
      '2',
      'HTTP 204',
      expect.stringMatching(/^delivered \d/),
      'Attempt log ',
    ]);
    // Each delivery's actions are named by it.
    expect(await page.locator(`[role="group"][aria-label="Delivery ${one.id}"] [data-testid="hook-redeliver-${one.id}"]`).count()).toBe(1);

    // The attempt log opens in place, by a button that says it is open.
    const toggle = page.locator(`[data-testid="hook-log-toggle-${two.id}"]`);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator(`#hook-log-${two.id}`).isVisible()).toBe(false);
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await toggle.getAttribute('aria-controls')).toBe(`hook-log-${two.id}`);
    const twoLog = page.locator(`ol[data-testid="hook-log-${two.id}"] > li`);
    expect(await twoLog.allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`^#1 \\d.* no answer \\d+ ms ${NO_SECRET.replace(/[()]/g, '\\$&')}$`)),
      expect.stringMatching(/^#2 \d.* HTTP 204 42 ms$/),
    ]);
    await screenshot(page, SHOTS, 'run-hooks-desktop');

    // Redeliver asks first; the first press changes nothing.
    await page.locator(`[data-testid="hook-log-toggle-${one.id}"]`).click();
    await page.click(`[data-testid="hook-redeliver-${one.id}"]`);
    await page.locator(`[role="group"][aria-label="Send it again now, with the same webhook-id?"]`).waitFor();
    expect((await deliveries(runId)).find((d) => d.id === one.id)!.attempts).toBe(1);
    // Confirmed: the delivery worker attempts it again (the same refusal, no secret), and the panel shows it.
    await page.click(`[data-testid="hook-redeliver-${one.id}-confirm"]`);
    await byText(page, `hook-attempts-${one.id}`, '2').waitFor();
    await byText(page, `hook-status-${one.id}`, 'failed').waitFor();
    await expect.poll(() => page.locator(`ol[data-testid="hook-log-${one.id}"] > li`).count()).toBe(2);
    const [after] = (await deliveries(runId)).filter((d) => d.id === one.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 2, last_error: NO_SECRET });
    expect(after!.attempt_log).toHaveLength(2);
    expect(Date.parse(after!.attempt_log[1]!.at)).toBeGreaterThan(Date.parse(one.attempt_log[0]!.at));
    // Only the one asked for.
    expect((await deliveries(runId))[1]).toMatchObject({ id: two.id, status: 'delivered', attempts: 2 });
    await page.locator(`[data-testid="hook-redeliver-${one.id}"]`).waitFor();

    // On a phone the table scrolls in its box, not the page.
    await page.setViewportSize({ width: PHONE, height: 900 });
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(PHONE);
    await screenshot(page, SHOTS, 'run-hooks-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // A delivery due again later: when it goes next, and nothing to redeliver.
    await page.goto(`${app.base}${DASHBOARD}#/runs/${later}`);
    await page.locator(`[data-testid="hook-${three.id}"]`).waitFor();
    expect(await cells(page, three.id)).toEqual([
      'execution.completed',
      target('/later'),
      'pending',
      '1',
      NO_SECRET,
      expect.stringMatching(/^next \d/),
      'Attempt log ',
    ]);
    expect(await page.getAttribute(`[data-testid="hook-when-${three.id}"]`, 'title')).toBe((await deliveries(later))[0]!.next_attempt_at);

    // A run without hooks has no panel.
    const read = page.waitForResponse((r) => r.url().endsWith(`/api/admin/agents/${quiet}/hooks`));
    await page.goto(`${app.base}${DASHBOARD}#/runs/${quiet}`);
    expect(await (await read).json()).toEqual({ data: [] });
    await page.locator('[data-testid="view-id"]', { hasText: quiet }).waitFor();
    expect(await panel.count()).toBe(0);
  });
});
