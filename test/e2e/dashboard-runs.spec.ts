import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.js';
import { byText, DASHBOARD, dashboardInBrowser, pageScrollWidth, recordTexts, signIn } from '../support/dashboard-page.js';
import { exampleEnv, startExampleApp } from '../support/example-app.js';
import {
  Agent,
  createScriptedModel,
  defineLlmAgent,
  type AgentState,
  type AgentStepper,
  type StepContext,
  type StepResult,
} from '../../src/agent/index.js';

const SHOTS = 'dashboard';
const PHONE = 390;

/** What `drip` answers, a word every 100 ms: three seconds, long enough to watch it stream in on a busy machine. */
const DRIP = Array.from({ length: 30 }, (_, i) => `drop${i}`).join(' ');

@Agent({ name: 'drip' })
class DripAgent implements AgentStepper {
  private readonly llm = defineLlmAgent({
    name: 'drip',
    model: createScriptedModel({ chunkDelayMs: 100, script: () => ({ text: DRIP }) }),
    system: 'You answer slowly.',
  });

  step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    return this.llm.step(state, ctx);
  }
}

/** The dashboard's Runs and Run views in headless Chromium: filters, the live list, bulk cancel, retry, the timeline, transcript and logs, narrow screens. */
describe('dashboard runs in a browser', () => {
  const app = dashboardInBrowser([DripAgent]);

  /** A signed-in page of `tenant`'s admin, at `hash`. Each test has a tenant of its own: its lists hold only its runs. */
  async function dashboard(tenant: string, hash: string, width?: number): Promise<Page> {
    const opening = await app.open(width);
    await signIn(opening.page, app.base, app.example.token({ tenantId: tenant, userId: 'boss', admin: true }), hash);
    return opening.page;
  }

  async function post<T = { id: string }>(tenant: string, userId: string, path: string, body: object, node = app.example): Promise<T> {
    const url = `http://127.0.0.1:${(node.app.getHttpServer().address() as AddressInfo).port}${path}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token({ tenantId: tenant, userId })}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return (await res.json()) as T;
  }
  const start = (tenant: string, userId: string, agentType: string, input: unknown, metadata?: object) =>
    post(tenant, userId, '/api/agents', { agent_type: agentType, input, ...(metadata ? { options: { metadata } } : {}) }).then((r) => r.id);

  async function statusOf(id: string): Promise<string> {
    const { rows } = await app.db.sql.query<{ status: string }>('SELECT status FROM agent_executions WHERE id = $1', [id]);
    return rows[0]!.status;
  }
  async function until(id: string, status: string): Promise<void> {
    await expect.poll(() => statusOf(id), { timeout: 15_000 }).toBe(status);
  }

  const rowIds = (page: Page) =>
    page.locator('[data-testid="runs"] tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.testid!.slice(4)));
  /** The list shows exactly `ids` (in any order) once the filters applied. */
  const shows = (page: Page, ids: string[]) =>
    expect.poll(async () => (await rowIds(page)).sort(), { timeout: 5000 }).toEqual([...ids].sort());
  const hashParams = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

  it('filters runs by status, parked, agent type, user, metadata, id prefix and date, all kept in the URL', async () => {
    const t = 'filters';
    const done = await start(t, 'alice', 'steps', { steps: 1 }, { team: 'ops' });
    const failed = await start(t, 'bob', 'steps', { steps: 2, fail_at: 1 });
    const asking = await start(t, 'alice', 'steps', { steps: 2, ask_input_at: 1 }, { team: 'dev' });
    const llm = await start(t, 'bob', 'code-assistant', { prompt: 'list the files' });
    await Promise.all([until(done, 'completed'), until(failed, 'failed'), until(asking, 'awaiting_input'), until(llm, 'completed')]);

    const page = await dashboard(t, '#/runs');
    await shows(page, [done, failed, asking, llm]);
    // A failed run's error at a glance, whole on hover.
    const error = page.locator(`[data-testid="row-error-${failed}"]`);
    expect(await error.textContent()).toMatch(/^step_error: Step 1 failed/);
    expect(await error.getAttribute('title')).toContain('Step 1 failed as asked (fail_at)');
    await screenshot(page, SHOTS, '10-runs');

    await page.click('[data-testid="filter-status"] summary');
    await page.check('[data-testid="filter-status-failed"]');
    await shows(page, [failed]);
    expect(hashParams(page).get('status')).toBe('failed');
    await page.check('[data-testid="filter-status-completed"]');
    await shows(page, [failed, done, llm]);
    await page.click('[data-testid="filter-parked"]');
    await shows(page, [asking]);
    expect(hashParams(page).get('status')).toBe('parked');
    await screenshot(page, SHOTS, '11-runs-parked');
    await page.click('[data-testid="filter-parked"]');
    await shows(page, [done, failed, asking, llm]);
    await page.keyboard.press('Escape');
    expect(await page.isVisible('[data-testid="filter-status-failed"]')).toBe(false);

    await page.selectOption('[data-testid="filter-agent-type-select"]', 'code-assistant');
    await shows(page, [llm]);
    await page.selectOption('[data-testid="filter-agent-type-select"]', '');
    await page.fill('[data-testid="filter-user-id"]', 'alice');
    await shows(page, [done, asking]);
    await page.fill('[data-testid="filter-metadata"]', '{"team": "ops"}');
    await shows(page, [done]);
    expect(hashParams(page).get('metadata')).toBe('{"team": "ops"}');
    // Not JSON: said so, and nothing asked.
    await page.fill('[data-testid="filter-metadata"]', '{"team": ');
    await page.locator('[data-testid="filter-problem"]', { hasText: 'Metadata must be JSON' }).waitFor();
    await page.fill('[data-testid="filter-metadata"]', '');
    await page.fill('[data-testid="filter-user-id"]', '');
    await page.fill('[data-testid="filter-id"]', asking.slice(0, 20));
    await shows(page, [asking]);
    await page.fill('[data-testid="filter-id"]', '');
    await shows(page, [done, failed, asking, llm]);

    // Dates: a link (or a reload) with the URL's filters shows the same list, the boxes filled in.
    // NOTE: ids are UUIDv7: the list reads a creation time as an id range, the id's own millisecond.
    const from = new Date(parseInt(asking.replace(/-/g, '').slice(0, 12), 16)).toISOString();
    await page.goto(`${app.base}${DASHBOARD}#/runs?from=${encodeURIComponent(from)}&status=completed,awaiting_input`);
    await shows(page, [asking, llm]);
    expect(await page.inputValue('[data-testid="filter-from"]')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    await page.reload();
    await shows(page, [asking, llm]);
    await page.goto(`${app.base}${DASHBOARD}#/runs?to=${encodeURIComponent(from)}`);
    await shows(page, [done, failed]);
  });

  it('keeps the list live: new runs on top, rows changing in place; pages by cursor; cancels a selection in bulk', async () => {
    const t = 'live';
    // Runs no worker takes (an API node without workers, its own queue): they wait, pending, for the bulk cancel.
    const idleEnv = exampleEnv(app.db, 'postgres', { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off', AGENTS_DASHBOARD: 'off' });
    const idle = await startExampleApp(app.db, idleEnv.AGENTS_QUEUE_PREFIX, idleEnv);
    try {
      const waiting: string[] = [];
      for (let i = 0; i < 51; i++)
        waiting.push((await post(t, 'dave', '/api/agents', { agent_type: 'steps', input: { steps: 1 } }, idle)).id);

      const page = await dashboard(t, '#/runs');
      // 50 a page, newest first; "Load more" reads the next by cursor.
      await expect.poll(() => rowIds(page), { timeout: 5000 }).toEqual(waiting.slice(1).reverse());
      await page.click('[data-testid="load-more"]');
      await expect.poll(() => rowIds(page), { timeout: 5000 }).toEqual([...waiting].reverse());
      expect(await page.isVisible('[data-testid="load-more"]')).toBe(false);

      // A run started now appears on top and moves on, step by step, with no reload.
      const live = await start(t, 'carol', 'steps', { steps: 4, step_ms: 600 });
      await expect.poll(async () => (await rowIds(page))[0], { timeout: 5000 }).toBe(live);
      const stepsShown = await recordTexts(page, `row-steps-${live}`);
      const statusShown = await recordTexts(page, `row-status-${live}`);
      await byText(page, `row-status-${live}`, 'completed').waitFor();
      // Step by step as they commit, never back (a first page read before an event must not undo it).
      const steps = (await stepsShown()).map(Number);
      expect(steps.at(-1)).toBe(4);
      expect(steps.length).toBeGreaterThanOrEqual(3);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(await statusShown()).toContain('running');
      // The whole list stays: the older pages too.
      expect(await rowIds(page)).toHaveLength(52);

      // Bulk cancel: select every unfinished run shown, asked twice.
      await page.check('[data-testid="select-all"]');
      expect(await page.isDisabled(`[data-testid="select-${live}"]`)).toBe(true);
      await page.click('[data-testid="bulk-cancel"]');
      await screenshot(page, SHOTS, '12-runs-bulk-cancel');
      expect(await statusOf(waiting[0]!)).toBe('pending');
      await page.click('[data-testid="bulk-cancel-confirm"]');
      await page.locator('[data-testid="runs-message"]', { hasText: 'Bulk cancel: 51 cancelled.' }).waitFor();
      for (const id of [waiting[0]!, waiting[50]!]) await byText(page, `row-status-${id}`, 'cancelled').waitFor();
      const { rows } = await app.db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'cancelled'`,
        [waiting],
      );
      expect(rows[0]!.n).toBe(51);
    } finally {
      await idle.close();
    }
  });

  it('retries a failed run: each of the two links to the other', async () => {
    const t = 'retry';
    const failed = await start(t, 'erin', 'steps', { steps: 2, fail_at: 2 }, { ticket: 7 });
    await until(failed, 'failed');
    const page = await dashboard(t, '#/runs?status=failed');
    await page.click(`[data-testid="retry-${failed}"]`);
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
    const retry = page.url().split('/').pop()!;
    expect(retry).not.toBe(failed);
    await page.locator('[data-testid="view-retried-from"]', { hasText: failed.slice(-8) }).waitFor();
    // Same owner, type, input and metadata; it fails again, and offers its own retry.
    expect(await page.textContent('[data-testid="view-user"]')).toBe('erin');
    await byText(page, 'view-status', 'failed').waitFor();
    expect(await page.isVisible('[data-testid="action-retry"]')).toBe(true);
    await page.click('[data-testid="view-retried-from"] a');
    await page.locator('[data-testid="view-id"]', { hasText: failed }).waitFor();
    await page.locator('[data-testid="view-error"]', { hasText: 'Step 2 failed' }).waitFor();
    // The failed run names its retry, and leads back to it.
    await page.click(`[data-testid="view-retried-as"] a[title="${retry}"]`);
    await page.locator('[data-testid="view-id"]', { hasText: retry }).waitFor();
  });

  it("draws a run's timeline: steps, a retried attempt, a sleep, and an LLM run's model and tool calls; shows the transcript", async () => {
    const t = 'timeline';
    const steps = await start(t, 'fay', 'steps', { steps: 4, step_ms: 60, retry_at: 2, sleep_at: 3, sleep_ms: 400 });
    const llm = await start(t, 'fay', 'code-assistant', { prompt: 'list the files' });
    const parent = await start(t, 'fay', 'fan-out', { topics: ['queues', 'leases'] });
    await Promise.all([until(steps, 'completed'), until(llm, 'completed'), until(parent, 'completed')]);

    const page = await dashboard(t, `#/runs/${steps}`);
    const attempts = page.locator('[data-testid="timeline"] > li[data-step]');
    await expect
      .poll(() =>
        attempts.evaluateAll((li) =>
          li.map((l) => `${(l as HTMLElement).dataset.step}.${(l as HTMLElement).dataset.attempt} ${(l as HTMLElement).dataset.outcome}`),
        ),
      )
      .toEqual(['1.1 completed', '2.1 retry_scheduled', '2.2 completed', '3.1 completed', '4.1 completed']);
    // Each bar's duration is its row's text; the retried attempt says so; the sleep is a span of its own.
    expect(await attempts.nth(1).textContent()).toMatch(/Step 2 · \d+ ms · failed, retried/);
    expect(await page.locator('[data-testid="timeline-gap"]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sleeping · \d/)]),
    );
    await screenshot(page, SHOTS, '13-run-timeline');

    await page.goto(`${app.base}${DASHBOARD}#/runs/${llm}`);
    const calls = page.locator('[data-testid="timeline-call"]');
    await calls.first().waitFor();
    const kinds = await calls.evaluateAll((li) => li.map((l) => `${(l as HTMLElement).dataset.kind} ${l.textContent}`));
    expect(kinds[0]).toMatch(/^model Model scripted · \d+ ms/);
    expect(kinds.some((k) => /^tool Tool list_files · \d+ ms/.test(k))).toBe(true);
    // A tool call opens to its arguments and result.
    await page.locator('[data-testid="timeline-call"][data-kind="tool"] [data-testid="timeline-call-toggle"]').first().click();
    await page.locator('[data-testid="timeline-call"][data-kind="tool"] pre', { hasText: 'README.md' }).waitFor();
    // The transcript: the question, the call with its arguments, its result, the answer.
    const roles = await page
      .locator('[data-testid="transcript-entry"]')
      .evaluateAll((li) => li.map((l) => (l as HTMLElement).dataset.role));
    expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(await page.textContent('[data-testid="transcript-tool-result"]')).toContain('src/index.ts');
    await screenshot(page, SHOTS, '14-run-llm');

    // A run that started subagents lists them, waited for them (a span of its own), and each links back.
    await page.goto(`${app.base}${DASHBOARD}#/runs/${parent}`);
    await page.locator('[data-testid="children"] li').nth(1).waitFor();
    expect(await page.locator('[data-testid="children"] li').count()).toBe(2);
    await page.locator('[data-testid="timeline-gap"][data-status="awaiting_children"]').waitFor();
    await page.locator('[data-testid="children"] li a').first().click();
    await page.locator('[data-testid="view-parent"]', { hasText: parent.slice(-8) }).waitFor();
  });

  it("streams a running model's output into the transcript", async () => {
    const t = 'stream';
    const page = await dashboard(t, '#/runs');
    const id = await start(t, 'ivy', 'drip', { prompt: 'Tell me slowly' });
    await page.evaluate((hash) => (location.hash = hash), `#/runs/${id}`);
    // Part of the answer, as it comes (from when the page joined): the step has not committed it yet.
    const live = page.locator('[data-testid="live-output"]');
    await live.locator('.msg-text', { hasText: /drop\d+ drop\d+ / }).waitFor();
    const partial = (await live.locator('.msg-text').textContent())!;
    expect(DRIP.includes(partial) && partial.length < DRIP.length, partial).toBe(true);
    expect(await page.locator('[data-testid="transcript-entry"][data-role="assistant"]').count()).toBe(0);
    // The timeline shows the step in flight, growing (past a second on a busy machine, it reads in seconds).
    await page.locator('[data-testid="timeline-in-flight"]', { hasText: /Step 1 · running, (\d+ ms|\d+\.\d s) so far/ }).waitFor();
    await screenshot(page, SHOTS, '15-run-streaming');
    // Then the committed message replaces it.
    await byText(page, 'view-status', 'completed').waitFor();
    await page.locator('[data-testid="transcript-entry"][data-role="assistant"]', { hasText: 'drop29' }).waitFor();
    await live.waitFor({ state: 'detached' });
    await page.locator('[data-testid="timeline-in-flight"]').waitFor({ state: 'detached' });
    await page.locator('[data-testid="timeline"] > li[data-step="1"]').waitFor();
  });

  it('filters the logs by level while they follow a live run', async () => {
    const t = 'logs';
    // Parked at step 3 until the test sends input, however slow the page is to open; step 4 fails.
    const id = await start(t, 'gus', 'steps', { steps: 4, ask_input_at: 3, fail_at: 4 });
    const page = await dashboard(t, `#/runs/${id}`);
    await byText(page, 'view-status', 'awaiting_input').waitFor();
    await page.selectOption('[data-testid="log-level"]', 'error');
    expect(await page.locator('[data-testid="logs"] li').count()).toBe(0);
    // The failure arrives while the filter is on: it shows, alone.
    await post(t, 'gus', `/api/agents/${id}/input`, { input: 'go on' });
    await byText(page, 'view-status', 'failed').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="logs"] li[data-level="error"]').first().waitFor();
    expect(await page.locator('[data-testid="logs"] li:not([data-level="error"])').count()).toBe(0);
    await page.selectOption('[data-testid="log-level"]', 'debug');
    expect(await page.locator('[data-testid="logs"] li', { hasText: 'step_completed' }).count()).toBe(3);
  });

  it('fits every view in 390 px with no page scroll, and reaches every control by keyboard, each with a name', async () => {
    const t = 'phone';
    const id = await start(t, 'hal', 'code-assistant', { prompt: 'list the files' });
    const failed = await start(t, 'hal', 'steps', { steps: 1, fail_at: 1 });
    const pipeline = await post(t, 'hal', '/api/pipelines', {
      input: 'x',
      stages: [
        { name: 'one', agent_type: 'steps' },
        {
          parallel: [
            { name: 'two', agent_type: 'steps' },
            { name: 'three', agent_type: 'steps' },
          ],
        },
      ],
    });
    const chat = await post<{ conversation: { id: string } }>(t, 'hal', '/api/conversations', {
      agent_type: 'steps',
      message: 'hi',
      title: 'Phone chat',
    });
    await Promise.all([until(id, 'completed'), until(failed, 'failed')]);

    const page = await dashboard(t, '#/runs', PHONE);
    const views: [string, string, string][] = [
      ['#/runs', `[data-testid="row-${id}"]`, '16-phone-runs'],
      [`#/runs/${id}`, '[data-testid="timeline-call"]', '17-phone-run'],
      ['#/conversations', `[data-testid="conversation-${chat.conversation.id}"]`, '18-phone-conversations'],
      [`#/conversations/${chat.conversation.id}`, '[data-testid="turns"] > li', '19-phone-conversation'],
      ['#/pipelines', `[data-testid="pipeline-${pipeline.id}"]`, '20-phone-pipelines'],
      [`#/pipelines/${pipeline.id}`, '[data-testid="stage-three"]', '21-phone-pipeline'],
    ];
    for (const [hash, ready, shot] of views) {
      await page.goto(`${app.base}${DASHBOARD}${hash}`);
      await page.locator(ready).first().waitFor();
      // Every control has a name a screen reader reads out.
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('a, button, input, select, textarea, summary')]
          .filter((el) => {
            const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            return !labelled && !el.textContent?.trim();
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      await screenshot(page, SHOTS, shot);
      expect(unnamed, hash).toEqual([]);
      expect(await pageScrollWidth(page), hash).toBeLessThanOrEqual(PHONE);
    }

    // By keyboard alone: from the top of the runs list to a failed run's Retry, through the filters.
    await page.goto(`${app.base}${DASHBOARD}#/runs`);
    await page.locator(`[data-testid="retry-${failed}"]`).waitFor();
    const reached = new Set<string>();
    for (let i = 0; i < 60 && !reached.has(`retry-${failed}`); i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? ''));
    }
    expect([...reached]).toEqual(expect.arrayContaining(['filter-user-id', 'filter-metadata', `open-${failed}`, `retry-${failed}`]));
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
  });
});
