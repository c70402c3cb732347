import type { AddressInfo } from 'node:net';
import type { Provider } from '@nestjs/common';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchBrowser } from './browser.js';
import { exampleEnv, startExampleApp, type ExampleApp } from './example-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const DASHBOARD = '/agents-dashboard';

export interface DashboardPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and warnings, uncaught page errors, and requests to anywhere but the app: none expected. */
  problems: string[];
}

/**
 * A fresh browser context on the dashboard (a `width` × `height` viewport), collecting what must
 * never happen: console errors or warnings, uncaught errors, a request leaving the machine.
 */
export async function openDashboard(browser: Browser, base: string, width = 1280, height = 900): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`console ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => new URL(r.url()).hostname !== new URL(base).hostname && problems.push(`request off the machine: ${r.url()}`));
  return { page, context, problems };
}

/** Signs in with `token` and waits for the signed-in page (its live badge connected). */
export async function signIn(page: Page, base: string, token: string, hash = ''): Promise<void> {
  await page.goto(`${base}${DASHBOARD}${hash}`);
  await page.fill('#token', token);
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('[data-testid="live"]', { hasText: /^live$/ }).waitFor();
}

/** The element `testId` once its whole text is `text`. */
export const byText = (within: Page | Locator, testId: string, text: string | RegExp) =>
  within.locator(`[data-testid="${testId}"]`, { hasText: typeof text === 'string' ? new RegExp(`^${text}$`) : text });

/**
 * Records every text the element `testId` shows from now on, as the page draws it (a
 * MutationObserver in the page), so a test can check a value that is on screen only briefly and
 * the order the values came in. Returns a reader of the texts seen so far, repeats left out.
 */
export async function recordTexts(page: Page, testId: string): Promise<() => Promise<string[]>> {
  const key = `__texts_${testId}`;
  await page.evaluate(
    ({ testId, key }) => {
      const seen: string[] = [];
      (window as unknown as Record<string, string[]>)[key] = seen;
      const read = () => {
        const text = document.querySelector(`[data-testid="${testId}"]`)?.textContent;
        if (text != null && seen[seen.length - 1] !== text) seen.push(text);
      };
      read();
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
    },
    { testId, key },
  );
  return () => page.evaluate((key) => [...(window as unknown as Record<string, string[]>)[key]!], key);
}

/** No horizontal scroll of the page itself (tables and graphs scroll inside their boxes). */
export const pageScrollWidth = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth);

/** The example app (PostgreSQL transport) and one Chromium for a file's dashboard tests; see `dashboardInBrowser`. */
export interface DashboardApp {
  db: TestDatabase;
  example: ExampleApp;
  browser: Browser;
  base: string;
  /** A fresh page (see `openDashboard`), whose problems fail the test that opened it. */
  open(width?: number): Promise<DashboardPage>;
}

/**
 * Starts the example app (with `agents` beside the demo ones) and Chromium before the file's tests,
 * stops them after; each test ends by closing the pages it opened and failing on what they reported.
 * The fields are set once `beforeAll` has run.
 */
export function dashboardInBrowser(agents: Provider[] = []): DashboardApp {
  const opened: DashboardPage[] = [];
  const app = {
    open: async (width?: number) => {
      const page = await openDashboard(app.browser, app.base, width);
      opened.push(page);
      return page;
    },
  } as DashboardApp;

  beforeAll(async () => {
    app.db = await createTestDatabase();
    const env = exampleEnv(app.db, 'postgres');
    [app.example, app.browser] = await Promise.all([startExampleApp(app.db, env.AGENTS_QUEUE_PREFIX, env, agents), launchBrowser()]);
    app.base = `http://127.0.0.1:${(app.example.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.browser?.close();
    await app.example?.close();
    await app.db?.drop();
  });

  afterEach(async () => {
    const pages = opened.splice(0);
    const problems = pages.flatMap((p) => p.problems);
    for (const p of pages) await p.context.close().catch(() => undefined);
    expect(problems).toEqual([]);
  });

  return app;
}
