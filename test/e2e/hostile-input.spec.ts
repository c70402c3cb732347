import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

interface MappedRoute {
  method: string;
  path: string;
}

interface HostileRequest {
  route: MappedRoute;
  params: string[];
  query: Array<[string, string]>;
  body: string | undefined;
  auth: 'none' | 'user' | 'admin' | 'garbage';
  headers?: Array<[string, string]>;
}

const CLIENT_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Every route Express ended up with, as Nest mapped them (the library's and the example app's). */
function mappedRoutes(example: ExampleApp): MappedRoute[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const stack = (example.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router.stack;
  // NOTE: a route for every method (`@All`, bull-board's) is tried with the methods clients send.
  const methods = (m: Record<string, boolean>) =>
    Object.keys(m)
      .map((k) => k.toUpperCase())
      .filter((k) => CLIENT_METHODS.includes(k));
  return stack.flatMap((layer) => (layer.route ? methods(layer.route.methods).map((method) => ({ method, path: layer.route!.path })) : []));
}

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'x\ud800y';
/** Percent-encodes any string, a lone surrogate as the three bytes a careless client would send (WTF-8). */
const encodeAny = (s: string): string =>
  s
    .replace(/[\ud800-\udfff]/g, (c, i: number) => {
      const pair =
        /^[\ud800-\udbff][\udc00-\udfff]$/.test(s.slice(i, i + 2)) || /^[\ud800-\udbff][\udc00-\udfff]$/.test(s.slice(i - 1, i + 1));
      if (pair) return c;
      const cp = c.charCodeAt(0);
      return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    })
    .replace(/[^\ud800-\udfff%]+/g, (part) => encodeURIComponent(part));
const deep = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

/** Strings of the classes that broke the API before: NUL, lone surrogates, huge numbers, long, odd ids. */
const hostileString = fc.oneof(
  fc.constantFrom(
    NUL,
    LONE_SURROGATE,
    '\udc00',
    '99999999999999999999',
    '1e400',
    '-1',
    '0',
    '',
    ' ',
    '__proto__',
    'constructor',
    'null',
    '%00',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uuid(),
  fc.string({ minLength: 201, maxLength: 600 }),
);

/** JSON texts: valid bodies with hostile leaves, and raw texts JSON.stringify cannot produce. */
function hostileBody(fields: string[]): fc.Arbitrary<string> {
  const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const value = fc.oneof(leaf, fc.dictionary(hostileString, leaf, { maxKeys: 3 }), fc.array(leaf, { maxLength: 3 }));
  const object = fc.dictionary(fc.oneof(fc.constantFrom(...fields), hostileString), value, { maxKeys: 6 });
  return fc.oneof(
    { weight: 6, arbitrary: object.map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.constantFrom(...fields).map((f) => `{"${f}": 1e400}`) },
    { weight: 1, arbitrary: fc.constantFrom(...fields).map((f) => `{"${f}": 99999999999999999999}`) },
    { weight: 1, arbitrary: fc.constantFrom(...fields).map((f) => `{"${f}": ${deep(20_000)}}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '{"a":"\\u0000"}', '{"a":"\\ud800"}') },
  );
}

/** Field names the library's DTOs and queries use, so generated bodies reach past "unknown field". */
const FIELDS = [
  'agent_type',
  'input',
  'options',
  'metadata',
  'idempotency_key',
  'queue',
  'grace_ms',
  'message',
  'title',
  'stages',
  'name',
  'prompt_template',
  'event_type',
  'payload',
  'user_id',
  'monthly_tokens',
  'monthly_usd',
  'execution_id',
  'scheduled_for',
];
/** Headers the library reads (SSE resume, signed webhooks), with values HTTP can carry (printable Latin-1). */
const HEADER_NAMES = ['last-event-id', 'x-agents-tenant', 'x-agents-timestamp', 'x-agents-delivery', 'x-agents-signature', 'cookie'];
const headerValue = fc.oneof(
  fc.constantFrom('99999999999999999999', '-1', '1e400', 'sha256=zz', 'agents_dashboard=%00', 'NaN'),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
);
const QUERY_KEYS = [
  'limit',
  'cursor',
  'status',
  'after_id',
  'level',
  'event_type',
  'user_id',
  'agent_type',
  'conversation_id',
  'pipeline_id',
  'from',
  'to',
];

describe('hostile input on every mapped route', () => {
  let db: TestDatabase;
  let example: ExampleApp;
  let base: string;
  let routes: MappedRoute[];
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_DASHBOARD: 'on' });
    const address = example.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    routes = mappedRoutes(example);
    // Real ids too, so generated requests reach the code behind the lookups.
    const user = { authorization: `Bearer ${example.token({ userId: 'fuzz' })}`, 'content-type': 'application/json' };
    const started = await fetch(`${base}/api/agents`, {
      method: 'POST',
      headers: user,
      body: JSON.stringify({ agent_type: 'steps', input: { steps: 1 } }),
    });
    ids.push(((await started.json()) as { id: string }).id);
  }, 120_000);

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const send = async (r: HostileRequest): Promise<number> => {
    let i = 0;
    const path = r.route.path.replace(/:[A-Za-z0-9_]+/g, () => encodeAny(r.params[i++] ?? 'x')).replace(/\*.*$/, 'x');
    const query = r.query.map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`).join('&');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (r.auth === 'user') headers.authorization = `Bearer ${example.token({ userId: 'fuzz' })}`;
    if (r.auth === 'admin') headers.authorization = `Bearer ${example.token({ userId: 'root', admin: true })}`;
    if (r.auth === 'garbage') headers.authorization = `Bearer ${NUL}`.replace('\u0000', '%00');
    for (const [name, value] of r.headers ?? []) headers[name] = value;
    const withBody = !['GET', 'HEAD'].includes(r.route.method);
    const response = await fetch(`${base}${path}${query ? `?${query}` : ''}`, {
      method: r.route.method,
      headers,
      body: withBody ? r.body : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    // Streams (SSE) stay open: the status is all that matters.
    await response.body?.cancel();
    return response.status;
  };

  it('answers every generated request below 500, and stays healthy', async () => {
    expect(routes.length).toBeGreaterThan(30);
    const request = fc.record({
      route: fc.constantFrom(...routes),
      params: fc.array(fc.oneof(hostileString, fc.constantFrom(...ids)), { minLength: 3, maxLength: 3 }),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), hostileString), hostileString), { maxLength: 4 }),
      body: fc.option(hostileBody(FIELDS), { nil: undefined }),
      auth: fc.constantFrom('none' as const, 'user' as const, 'admin' as const, 'garbage' as const),
      headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 3 }),
    });
    const serverErrors: string[] = [];
    let sent = 0;
    await fc
      .assert(
        fc.asyncProperty(request, async (r) => {
          const status = await send(r);
          sent++;
          if (status >= 500) serverErrors.push(`${status} ${r.route.method} ${r.route.path} ${JSON.stringify(r).slice(0, 300)}`);
          return status < 500;
        }),
        { numRuns: 1500, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
      )
      .catch((error: Error) => {
        throw new Error(`${serverErrors.join('\n')}\n${error.message.slice(0, 2000)}`);
      });
    // Every route also meets each class of hostile body at least once, whatever the random draw.
    for (const route of routes.filter((r) => !['GET', 'HEAD'].includes(r.method))) {
      for (const body of [`{"input": ${deep(20_000)}}`, `{"input": "${'\\u0000'}"}`, `{"message": "\\ud800"}`, '{"monthly_usd": 1e20}']) {
        const status = await send({ route, params: [ids[0]!, ids[0]!, ids[0]!], query: [], body, auth: 'admin' });
        sent++;
        expect(status, `${route.method} ${route.path} ${body.slice(0, 40)}`).toBeLessThan(500);
      }
    }
    console.log(`hostile input: ${sent} requests over ${routes.length} routes, 0 answered 5xx`);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
  }, 300_000);

  it('names the field it refuses, and stores nothing', async () => {
    const headers = { authorization: `Bearer ${example.token({ userId: 'named' })}`, 'content-type': 'application/json' };
    const cases: Array<[string, string, RegExp]> = [
      ['/api/agents', JSON.stringify({ agent_type: 'steps', input: { list: ['ok', NUL] } }), /input\.list\[1\] contains a NUL character/],
      [
        '/api/agents',
        JSON.stringify({ agent_type: 'steps', input: {}, options: { idempotency_key: LONE_SURROGATE } }),
        /options\.idempotency_key contains an unpaired/,
      ],
      ['/api/agents', `{"agent_type":"steps","input":${deep(65)}}`, /nested deeper than 64 levels/],
      ['/api/agents', '{"agent_type":"steps","input":{"n":1e400}}', /input\.n is out of range/],
      ['/api/conversations', JSON.stringify({ agent_type: 'steps', message: NUL }), /message contains a NUL character/],
    ];
    for (const [path, body, message] of cases) {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
      expect(response.status, body.slice(0, 80)).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    const stored = await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = 'named'`);
    expect(stored.rows[0].n).toBe(0);
  });

  it('refuses a 2 MB pipeline definition in under 100 ms while /health answers', async () => {
    const stage = (i: number) => ({ name: `stage_${i}`, agent_type: 'steps', prompt_template: `{previous_output} ${i}` });
    const stages: unknown[] = [];
    let body = '';
    for (let i = 0; body.length < 1.9 * 1024 * 1024; i += 1000) {
      for (let j = i; j < i + 1000; j++) stages.push(stage(j));
      body = JSON.stringify({ stages, input: { topic: 'x' } });
    }
    const headers = { authorization: `Bearer ${example.token({ userId: 'big' })}`, 'content-type': 'application/json' };
    const health = (async () => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        expect((await fetch(`${base}/health`)).status).toBe(200);
        times.push(performance.now() - t0);
      }
      return Math.max(...times);
    })();
    // The first 2 MB body also compiles the parser's and the guard's paths: time the three after it.
    const refusals: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const response = await fetch(`${base}/api/pipelines`, { method: 'POST', headers, body });
      if (i > 0) refusals.push(performance.now() - t0);
      expect(response.status).toBe(400);
    }
    const elapsed = refusals.sort((a, b) => a - b)[1];
    console.log(
      `pipeline of ${stages.length} stages (${(body.length / 1024 / 1024).toFixed(2)} MB): refused in ${elapsed.toFixed(1)} ms (median of three); slowest /health ${(await health).toFixed(1)} ms`,
    );
    expect(elapsed).toBeLessThan(100);
  });
});
