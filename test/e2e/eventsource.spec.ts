import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { HTTP_PLATFORMS, exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { readSse } from '../support/sse.js';

interface Received {
  type: string;
  id: string;
  data: { status?: string };
}

/** What a browser's EventSource saw: its events, and whether it stopped for good (CLOSED) or would reconnect. */
interface Outcome {
  events: Received[];
  readyState: number;
}

const EVENT_TYPES = ['log.appended', 'step.completed', 'status.changed', 'finished'];

describe.each(HTTP_PLATFORMS)('an execution streamed to a browser EventSource (%s)', (platform) => {
  let db: TestDatabase;
  let node: ExampleApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres');
    [node, browser] = await Promise.all([startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env, [], platform), launchBrowser()]);
    base = `http://127.0.0.1:${(node.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await node?.close();
    await db?.drop();
  });

  const bearer = (userId = 'u1') => `Bearer ${node.token({ userId })}`;

  async function startSteps(steps: number): Promise<string> {
    const res = await request(node.app.getHttpServer())
      .post('/api/agents')
      .set('authorization', bearer())
      .send({ agent_type: 'steps', input: { steps, step_ms: 30 } })
      .expect(201);
    return res.body.id as string;
  }

  async function realtimeToken(userId = 'u1'): Promise<string> {
    const res = await request(node.app.getHttpServer()).get('/api/agents/realtime-token').set('authorization', bearer(userId)).expect(200);
    return res.body.token as string;
  }

  /** A page of the app's own origin (the API's docs), recording the status of every request to `path`. */
  async function pageOnTheApp(path: string): Promise<{ page: Page; statuses: number[] }> {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    const statuses: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === path) statuses.push(r.status());
    });
    expect((await page.goto(`${base}/api/docs`))?.status()).toBe(200);
    return { page, statuses };
  }

  /** Opens `new EventSource(url)` in the page and resolves once it is CLOSED (it never reconnects again). */
  const follow = (page: Page, url: string): Promise<Outcome> =>
    page.evaluate(
      ({ url, types }) =>
        new Promise<Outcome>((resolve) => {
          const events: Received[] = [];
          const source = new EventSource(url);
          for (const type of types)
            source.addEventListener(type, (e) => {
              const message = e as MessageEvent<string>;
              events.push({ type, id: message.lastEventId, data: JSON.parse(message.data) });
            });
          source.onerror = () => {
            if (source.readyState === EventSource.CLOSED) resolve({ events, readyState: source.readyState });
          };
        }),
      { url, types: EVENT_TYPES },
    );

  it('authenticates with ?token=, streams to `finished`, then closes for good: one reconnect answered 204, no loop', async () => {
    const id = await startSteps(3);
    const path = `/api/agents/${id}/stream`;
    const { page, statuses } = await pageOnTheApp(path);

    const outcome = await follow(page, `${path}?token=${encodeURIComponent(await realtimeToken())}`);

    expect(outcome.readyState).toBe(2);
    const finished = outcome.events.filter((e) => e.type === 'finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.data.status).toBe('completed');
    expect(outcome.events.filter((e) => e.type === 'step.completed')).toHaveLength(3);
    // Nothing twice: the reconnect after `finished` got nothing more.
    const keys = outcome.events.map((e) => `${e.type}:${e.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    // The stream, then the one reconnect an EventSource makes when a stream ends, told there is no more.
    expect(statuses).toEqual([200, 204]);
    await page.context().close();
  });

  it("refuses an EventSource without a principal, with a forged token, or for another user's execution, and it does not retry", async () => {
    const id = await startSteps(1);
    const path = `/api/agents/${id}/stream`;
    const { page, statuses } = await pageOnTheApp(path);

    for (const url of [path, `${path}?token=forged.token`, `${path}?token=${encodeURIComponent(await realtimeToken('u2'))}`]) {
      const outcome = await follow(page, url);
      expect(outcome).toEqual({ events: [], readyState: 2 });
    }
    expect(statuses).toEqual([401, 401, 404]);
    await page.context().close();
  });

  it('answers 204 to a caller that already has every event of an ended execution, and replays to one that has not', async () => {
    const id = await startSteps(1);
    const path = `/api/agents/${id}/stream`;
    const first = await follow((await pageOnTheApp(path)).page, `${path}?token=${encodeURIComponent(await realtimeToken())}`);
    const lastId = first.events.filter((e) => e.id !== '').at(-1)!.id;

    const server = request(node.app.getHttpServer());
    await server.get(path).set('authorization', bearer()).set('last-event-id', lastId).expect(204);
    const replay = await server
      .get(path)
      .set('authorization', bearer())
      .set('last-event-id', String(Number(lastId) - 1))
      .expect(200);
    expect(replay.text).toContain('event: finished');
    expect(replay.text).toMatch(/^retry: \d+$/m);
  });
});

describe.each(HTTP_PLATFORMS)('an open stream when its server shuts down (%s)', (platform) => {
  it('is ended, so the server closes at once instead of waiting for its client to leave', async () => {
    const db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres');
    const node = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env, [], platform);
    try {
      const base = `http://127.0.0.1:${(node.app.getHttpServer().address() as AddressInfo).port}`;
      const authorization = `Bearer ${node.token({ userId: 'u1' })}`;
      const res = await request(node.app.getHttpServer())
        .post('/api/agents')
        .set('authorization', authorization)
        .send({ agent_type: 'steps', input: { steps: 3, ask_input_at: 1 } })
        .expect(201);
      let first!: () => void;
      const stepped = new Promise<void>((resolve) => (first = resolve));
      const stream = readSse(`${base}/api/agents/${res.body.id}/stream`, { authorization }, (e) => {
        if (e.event === 'step.completed') first();
        return false;
      });
      await stepped;
      const started = performance.now();
      await node.close();
      const { events } = await stream;
      expect(performance.now() - started).toBeLessThan(5000);
      expect(events.map((e) => e.event)).not.toContain('finished');
    } finally {
      await db.drop();
    }
  }, 60_000);
});
