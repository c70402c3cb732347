import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchBrowser } from './browser.js';
import { openDashboard, signIn, type DashboardPage } from './dashboard-page.js';
import { exampleEnv, startExampleApp, type ExampleApp } from './example-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A page and what Chromium reported on it that a user should never see (see `openDashboard`). */
export type WatchedPage = DashboardPage;

/**
 * The example app (redis transport, so BullMQ reports the workers on each queue) and one headless
 * Chromium, for the dashboard's statistics views.
 */
export class StatsDashboard {
  private readonly contexts: BrowserContext[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly example: ExampleApp,
    readonly browser: Browser,
    readonly base: string,
  ) {}

  static async start(extraEnv: Record<string, string> = {}): Promise<StatsDashboard> {
    const db = await createTestDatabase();
    const env = exampleEnv(db, 'redis', extraEnv);
    const [example, browser] = await Promise.all([startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env), launchBrowser()]);
    return new StatsDashboard(db, example, browser, `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`);
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
    await this.browser?.close();
    await this.example?.close();
    await this.db?.drop();
  }

  adminToken = (): string => this.example.token({ userId: 'boss', admin: true });

  /** A new browser context (its own cookies and storage) with one page, its problems collected. */
  async openPage(viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
    const opened = await openDashboard(this.browser, this.base, viewport.width, viewport.height);
    this.contexts.push(opened.context);
    return opened;
  }

  /** Signs in through the page's form, as an admin, and waits for the live feed. */
  signIn(page: Page, hash = '#/'): Promise<void> {
    return signIn(page, this.base, this.adminToken(), hash);
  }

  /** A call to the app's API as `userId` (or the admin), answered 2xx. */
  async api<T>(method: string, path: string, body?: object, userId?: string): Promise<T> {
    const token = userId ? this.example.token({ userId }) : this.adminToken();
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Starts a `steps` run for `userId` (see src/demo/steps.agent.ts for the input). */
  start = (input: Record<string, unknown>, userId = 'alice', options?: Record<string, unknown>) =>
    this.api<{ id: string; status: string }>('POST', '/api/agents', { agent_type: 'steps', input, options }, userId);

  /** Waits until every id has one of `statuses` in the database. */
  async settle(ids: string[], statuses: string[]): Promise<void> {
    await until(`runs ${statuses.join('/')}`, async () => {
      const { rows } = await this.db.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = ANY($2)',
        [ids, statuses],
      );
      return rows[0]!.n === ids.length;
    });
  }

  /** Waits until the statistics route `name` answers what `ok` expects (its rollup catches up a few seconds after the runs). */
  async stats<T>(name: 'overview' | 'queues' | 'usage', ok: (answer: T) => boolean): Promise<void> {
    await until(`${name} statistics`, async () => ok(await this.api<T>('GET', `/api/admin/dashboard/${name}?window=hour`)));
  }
}

/** The page scrolls sideways (wider than its viewport)? */
export const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

/** Polls `check` until it holds (15 s at most). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`No ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
