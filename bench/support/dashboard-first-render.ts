import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { AgentModule, type Principal, type StatsWindow } from 'nestjs-agents';
import { percentile, round } from './stats.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DASHBOARD_PAGE = 'dist/dashboard/index.html';
/** What the page keeps in the tab: the admin's token and the charts' window (src/agent/dashboard/ui). */
const TOKEN_KEY = 'agents-dashboard-token';
const WINDOW_KEY = 'agents-dashboard-window';
/** The mark the overview sets in the frame after it first draws its data. */
const RENDERED_MARK = 'overview-rendered';

export interface FirstRender {
  window: StatsWindow;
  samples: number;
  /** From navigation start to the overview's data on screen, each in a fresh browser context (no cache, no session). */
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

/**
 * The overview as an admin opening the dashboard sees it: an HTTP node over the seeded database
 * (no workers, no rollup job: the rollup is the seed's), headless Chromium, a fresh context per
 * sample. The time is the page's own `overview-rendered` mark: the page, its bundle, the sign-in
 * check and the overview route, drawn.
 */
export async function measureFirstRender(
  databaseUrl: string,
  tenantId: string,
  windows: readonly StatsWindow[],
  samples: number,
): Promise<FirstRender[]> {
  if (!existsSync(DASHBOARD_PAGE)) throw new Error(`${DASHBOARD_PAGE} is missing: run \`npm run build\` first`);
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const secret = randomBytes(24).toString('base64url');
  const admin: Principal = { tenantId, userId: 'bench-admin', tier: 'enterprise', roles: ['admin'] };
  const app = await bootHttp(databaseUrl, (request) =>
    (request as { headers?: Record<string, string | undefined> }).headers?.authorization === `Bearer ${secret}` ? admin : null,
  );
  let browser: Browser | undefined;
  try {
    await app.listen(0, '127.0.0.1');
    const page = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/agents-dashboard`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const results: FirstRender[] = [];
    for (const window of windows) {
      const ms: number[] = [];
      // One warm-up: the server's first requests (statement plans, the bundle read into memory) are not an operator's.
      for (let i = 0; i <= samples; i++) {
        const time = await renderOnce(browser, page, secret, window);
        if (i > 0) ms.push(time);
      }
      results.push({
        window,
        samples,
        p50_ms: round(percentile(ms, 50), 1),
        p95_ms: round(percentile(ms, 95), 1),
        max_ms: round(Math.max(...ms), 1),
      });
    }
    return results;
  } finally {
    await browser?.close();
    await app.close();
  }
}

async function renderOnce(browser: Browser, url: string, token: string, window: StatsWindow): Promise<number> {
  const context = await browser.newContext();
  try {
    await context.addInitScript(
      ([tokenKey, windowKey, t, w]) => {
        sessionStorage.setItem(tokenKey, t);
        sessionStorage.setItem(windowKey, w);
      },
      [TOKEN_KEY, WINDOW_KEY, token, window] as const,
    );
    const tab = await context.newPage();
    await tab.goto(url);
    const handle = await tab.waitForFunction((mark) => performance.getEntriesByName(mark)[0]?.startTime ?? false, RENDERED_MARK, {
      timeout: 30_000,
    });
    return (await handle.jsonValue()) as number;
  } finally {
    await context.close();
  }
}

async function bootHttp(databaseUrl: string, resolvePrincipal: (request: unknown) => Principal | null): Promise<INestApplication> {
  @Module({
    imports: [
      AgentModule.forRoot({
        database: { url: databaseUrl, poolSize: 10 },
        transport: 'postgres',
        // NOTE: the seeded database's queue schema (bench/dashboard.ts boots the same).
        queuePrefix: 'bench_dashboard',
        resolvePrincipal,
        workers: { enabled: false },
        maintenance: { enabled: false },
        dashboard: { enabled: true, stats: { rollupIntervalMs: 0 } },
      }),
    ],
  })
  class FirstRenderModule {}
  return NestFactory.create(FirstRenderModule, { logger: ['error', 'warn'] });
}
