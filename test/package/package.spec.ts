import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_MIGRATIONS } from '../../src/agent/migrations/agent-migrations.js';
import { uniquePrefix } from '../support/test-database.js';
import { adminUrl, redisUrl } from '../support/test-env.js';
import {
  compileHost,
  createEmptyDatabase,
  installedCopies,
  installHost,
  migrateWithHostCli,
  packLibrary,
  startHost,
  startHostWorker,
  watchRun,
  type InstalledHost,
  type PackedPackage,
  type RunningHost,
} from './host-fixture.js';

/** The host's API key (its own auth, `src/auth.ts` in each fixture). */
const API_KEY = 'key-ada';
const TERMINAL = ['completed', 'failed', 'cancelled'];

interface Fixture {
  name: string;
  /** What the host's process needs beyond its database. */
  env: () => Record<string, string>;
  /** When the host's own TypeORM CLI runs the library's migrations: before the boot, or after it (boot migrated). */
  hostCli: 'before-boot' | 'after-boot';
  /** The host has its own `ThrottlerModule` with a global `ThrottlerGuard` (limit 1000 a minute) and `@Throttle`/`@SkipThrottle` routes. */
  ownThrottler: boolean;
}

const FIXTURES: Fixture[] = [
  // `nest new` output: CommonJS, `module: nodenext`, TypeScript 6, forRootAsync with ConfigService, PostgreSQL transport.
  { name: 'cjs-host', env: () => ({}), hostCli: 'before-boot', ownThrottler: true },
  // An ES module package with its own BullModule queue, TypeOrmModule entity and EventEmitterModule;
  // forRootAsync handed the host's DataSource, the Redis transport.
  {
    name: 'esm-host',
    env: () => ({ REDIS_URL: redisUrl(), HOST_QUEUE_PREFIX: uniquePrefix() }),
    hostCli: 'after-boot',
    ownThrottler: false,
  },
];

/**
 * The library as a Nest app gets it: `npm pack`, installed into fixture host apps kept in the repo,
 * compiled by the host's own tsc and run against PostgreSQL.
 */
describe('the packed package', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nestjs-agents-package-'));
  let packed: PackedPackage;
  const hosts = new Map<string, InstalledHost & { compileMs: number }>();

  beforeAll(async () => {
    packed = await packLibrary(scratch);
    // NOTE: one host after the other (mostly from the npm cache): installs and compilers side by
    // side would crowd the other test files running meanwhile.
    for (const { name } of FIXTURES) {
      const host = await installHost(name, scratch, packed.tarball);
      const compileStartedAt = Date.now();
      await compileHost(host.dir);
      hosts.set(name, { ...host, compileMs: Date.now() - compileStartedAt });
    }
  }, 300_000);

  // NOTE: two node_modules trees: tens of thousands of files to delete.
  afterAll(() => rm(scratch, { recursive: true, force: true }), 300_000);

  it('ships the library build, its declarations and sources, the client and the dashboard: no tests, bench, example app or docker', () => {
    const outside = packed.files.filter(
      (f) => !/^(package\.json|README\.md|dist\/(agent|client|dashboard)\/.+|src\/agent\/.+\.ts|client\/[^/]+\.(ts|md))$/.test(f),
    );
    expect(outside).toEqual([]);
    expect(packed.files.filter((f) => /(^|\/)(test|bench|docker|\.ci|demo|host|ui)\/|\.spec\.|tsbuildinfo|tsconfig/.test(f))).toEqual([]);
    for (const entry of [
      'dist/agent/index.js',
      'dist/agent/index.d.ts',
      'dist/agent/index.d.ts.map',
      'dist/client/index.js',
      'dist/client/index.d.ts',
      'dist/dashboard/index.html',
    ]) {
      expect(packed.files).toContain(entry);
    }
    // Each module ships its JavaScript, declarations, declaration map and source (go-to-definition lands in TypeScript),
    // and nothing else rides along: four files a module, plus the client, the dashboard and the package's own.
    const modules = packed.files.filter((f) => /^src\/agent\/.*\.ts$/.test(f)).length;
    const clientModules = packed.files.filter((f) => /^client\/.*\.ts$/.test(f)).length;
    // NOTE: the bound follows the modules (about 2.5 KB packed each, their four files) plus the dashboard's bundle:
    // anything large riding along (a binary, a data file) breaks it.
    expect(packed.size).toBeLessThan((modules + clientModules) * 3 * 1024 + 256 * 1024);
    expect(packed.files.length).toBeLessThanOrEqual(4 * (modules + clientModules) + 10);
  });

  describe.each(FIXTURES)('in the $name fixture', ({ name, env, hostCli, ownThrottler }) => {
    let host: InstalledHost & { compileMs: number };
    let bootMs: number;
    let app: RunningHost;
    let databaseUrl: string;
    let cliOutput = '';
    let dropDatabase: () => Promise<void>;
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

    const status = async (id: string): Promise<{ status: string; output: unknown }> =>
      (await (await fetch(`${app.url}/api/agents/${id}`, { headers })).json()) as { status: string; output: unknown };

    /** Polls the library's REST route until the execution reaches one of `statuses`. */
    const waitFor = async (id: string, statuses: string[]) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        const view = await status(id);
        if (statuses.includes(view.status)) return view;
        if (TERMINAL.includes(view.status)) throw new Error(`${id} ended ${view.status}, waiting for ${statuses.join('|')}`);
      }
      throw new Error(`${id} never reached ${statuses.join('|')}`);
    };

    beforeAll(async () => {
      host = hosts.get(name)!;
      const database = await createEmptyDatabase();
      databaseUrl = database.url;
      dropDatabase = database.drop;
      // The library's migrations, run by the host's own TypeORM CLI on one fixture before the boot
      // (which then finds nothing to do) and after it on the other (the CLI then finds nothing).
      if (hostCli === 'before-boot') cliOutput = await migrateWithHostCli(host.dir, database.url);
      const bootStartedAt = Date.now();
      app = await startHost(host.dir, { DATABASE_URL: database.url, AGENTS_QUEUE_PREFIX: uniquePrefix(), ...env() });
      bootMs = Date.now() - bootStartedAt;
      if (hostCli === 'after-boot') cliOutput = await migrateWithHostCli(host.dir, database.url);
    }, 120_000);

    it(`shares one migrations record with the host's own TypeORM CLI (run ${hostCli.replace('-', ' ')})`, async () => {
      if (hostCli === 'before-boot') expect(cliOutput).toMatch(/has been executed successfully/);
      else expect(cliOutput).toMatch(/No migrations are pending/);
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; n: number }>(
          'SELECT name, count(*)::int AS n FROM agent_migrations GROUP BY name',
        );
        expect(rows).toHaveLength(AGENT_MIGRATIONS.length);
        expect(rows.every((r) => r.n === 1)).toBe(true);
        const tables = await client.query(
          "SELECT to_regclass('agent_executions') AS executions, to_regclass('migrations') AS typeorm_default",
        );
        expect(tables.rows[0]).toEqual({ executions: 'agent_executions', typeorm_default: null });
      } finally {
        await client.end();
      }
    });

    afterAll(async () => {
      await app?.stop();
      await dropDatabase?.();
    });

    it('resolves exactly one @nestjs/core, the host’s', () => {
      expect(installedCopies(host.dir, '@nestjs/core')).toEqual([join(host.dir, 'node_modules/@nestjs/core')]);
      expect(installedCopies(host.dir, 'nestjs-agents')).toHaveLength(1);
    });

    it('resolves nestjs-agents/maintenance: the maintenance commands alone, for a CLI of its own', () => {
      const script = `const m = await import('nestjs-agents/maintenance');
        console.log(typeof m.parseMaintenanceCommand, m.MaintenanceExitCode.Busy, JSON.stringify(m.parseMaintenanceCommand(['cleanup', '--days=3'])));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: host.dir, encoding: 'utf8' });
      expect(out.trim()).toBe('function 75 {"name":"cleanup","executionRetentionDays":3,"json":false,"verbose":false}');
    });

    it('runs an LLM agent started through the library’s REST route, followed over Socket.IO by the packed client', async () => {
      const runStartedAt = Date.now();
      const lines = await watchRun(host.dir, [app.url, API_KEY, 'assistant', JSON.stringify({ prompt: 'hi' })]);
      const runMs = Date.now() - runStartedAt;
      expect(lines[0]).toMatchObject({ started: expect.any(String) });
      expect(lines).toContainEqual({ step: 1 });
      expect(lines).toContainEqual({ status: 'running' });
      expect(lines.at(-1)).toEqual({ final: 'completed', output: expect.stringContaining('hi') });
      const { before, after } = host.nodeModulesKb;
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `[package] ${name}: node_modules ${Math.round(before / 1024)} MB → ${Math.round(after / 1024)} MB; ` +
          `npm install of the tarball → first completed run: ${seconds(host.installMs + host.compileMs + bootMs + runMs)} ` +
          `(install ${seconds(host.installMs)}, host's tsc ${seconds(host.compileMs)}, boot ${seconds(bootMs)}, run ${seconds(runMs)})`,
      );
    });

    it('runs a custom @Agent with an injected host provider, started by the host’s own controller through AgentManager', async () => {
      const started = await fetch(`${app.url}/greetings`, { method: 'POST', headers, body: JSON.stringify({ name: 'Ada' }) });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      expect(await waitFor(id, TERMINAL)).toMatchObject({ status: 'completed', output: 'Hello, Ada' });
    });

    it.runIf(name === 'cjs-host')(
      'answers the host’s own controller with the library’s 404, 409 and 429 through the exported AgentExceptionFilter',
      async () => {
        const missing = '0190a000-0000-7000-8000-000000000000';
        const notFound = await fetch(`${app.url}/greetings/${missing}/pause`, { method: 'POST', headers });
        expect(notFound.status).toBe(404);
        expect(await notFound.json()).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: `Execution ${missing} not found`,
          details: { code: 'execution_not_found' },
        });

        const trial = { ...headers, authorization: 'Bearer key-tim' };
        const first = await fetch(`${app.url}/greetings`, { method: 'POST', headers: trial, body: JSON.stringify({ name: 'Tim' }) });
        expect(first.status).toBe(201);
        const { id } = (await first.json()) as { id: string };
        const limited = await fetch(`${app.url}/greetings`, { method: 'POST', headers: trial, body: JSON.stringify({ name: 'Tim' }) });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests', details: { code: 'rate_limited' } });

        const trialView = async () => (await (await fetch(`${app.url}/api/agents/${id}`, { headers: trial })).json()) as { status: string };
        for (const deadline = Date.now() + 20_000; !TERMINAL.includes((await trialView()).status) && Date.now() < deadline;)
          await new Promise((r) => setTimeout(r, 50));
        const conflict = await fetch(`${app.url}/greetings/${id}/pause`, { method: 'POST', headers: trial });
        expect(conflict.status).toBe(409);
        expect(await conflict.json()).toMatchObject({
          statusCode: 409,
          error: 'Conflict',
          details: { code: 'invalid_transition', current_status: 'completed' },
        });
      },
    );

    it('pauses, resumes and cancels a run through the library’s REST routes', async () => {
      const started = await fetch(`${app.url}/api/agents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ agent_type: 'greeting', input: { name: 'Grace', steps: 1000, stepMs: 20 } }),
      });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      await waitFor(id, ['running']);
      const control = (action: string) => fetch(`${app.url}/api/agents/${id}/${action}`, { method: 'POST', headers });
      expect((await control('pause')).status).toBe(202);
      await waitFor(id, ['paused']);
      expect((await control('resume')).status).toBe(200);
      await waitFor(id, ['pending', 'running']);
      expect((await control('cancel')).status).toBeLessThan(300);
      expect(await waitFor(id, TERMINAL)).toMatchObject({ status: 'cancelled' });
    });

    it.runIf(ownThrottler)(
      'keeps the host’s own ThrottlerModule beside the library’s per-tier throttlers, which leave the host’s controller alone',
      async () => {
        expect(installedCopies(host.dir, '@nestjs/throttler')).toEqual([join(host.dir, 'node_modules/@nestjs/throttler')]);
        const library = await fetch(`${app.url}/api/agents`, { headers });
        expect(library.status).toBe(200);
        expect(library.headers.get('x-ratelimit-limit')).toBe('1000'); // the host's global guard, as the host set it
        expect(library.headers.get('x-ratelimit-limit-agents-sustained')).toBe('300'); // the library's, from the caller's tier (pro)
        const greeting = await fetch(`${app.url}/greetings`, { method: 'POST', headers, body: JSON.stringify({ name: 'Alan' }) });
        expect(greeting.status).toBe(201);
        expect(greeting.headers.get('x-ratelimit-limit')).toBe('1000');
        expect(greeting.headers.get('x-ratelimit-limit-agents-sustained')).toBeNull(); // no library guard on the host's route
        expect(greeting.headers.get('x-ratelimit-limit-agents-burst')).toBeNull();
        const pings: number[] = [];
        for (let i = 0; i < 3; i++) pings.push((await fetch(`${app.url}/ping`)).status);
        expect(pings).toEqual([200, 200, 429]); // the host's @Throttle
        const unlimited = await fetch(`${app.url}/ping/unlimited`);
        expect(unlimited.status).toBe(200);
        expect(unlimited.headers.get('x-ratelimit-limit')).toBeNull(); // the host's @SkipThrottle
      },
    );

    it('hands a running execution back at SIGTERM (enableShutdownHooks) instead of leaving it to its lease', async () => {
      const started = await fetch(`${app.url}/api/agents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ agent_type: 'greeting', input: { name: 'Linus', steps: 1000, stepMs: 20 } }),
      });
      const { id } = (await started.json()) as { id: string };
      await waitFor(id, ['running']);
      const stopped = await app.stop();
      expect(stopped.code === 0 || stopped.signal === 'SIGTERM', app.output()).toBe(true);
      const sql = new pg.Client({ connectionString: databaseUrl });
      await sql.connect();
      try {
        const { rows } = await sql.query(`SELECT status FROM agent_executions WHERE id = $1`, [id]);
        expect(rows[0]).toEqual({ status: 'pending' });
        // One hand-over (a chunk's end, on a slow machine, logs `checkpointed` too, without the status).
        const logs = await sql.query(
          `SELECT event_type FROM agent_logs WHERE execution_id = $1 AND event_type = 'checkpointed' AND context->>'status' = 'pending'`,
          [id],
        );
        expect(logs.rowCount).toBe(1);
      } finally {
        await sql.end();
      }
    });
  });
  describe('in the esm-host fixture, an API process and a worker process beside the host’s own BullModule, TypeOrmModule and EventEmitterModule', () => {
    let api: RunningHost;
    let worker: RunningHost;
    let databaseUrl: string;
    let dropDatabase: () => Promise<void>;
    const hostQueuePrefix = uniquePrefix();
    const agentsQueuePrefix = uniquePrefix();
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const getJson = async <T>(path: string): Promise<T> => (await (await fetch(`${api.url}${path}`, { headers })).json()) as T;

    beforeAll(async () => {
      const host = hosts.get('esm-host')!;
      const database = await createEmptyDatabase();
      databaseUrl = database.url;
      dropDatabase = database.drop;
      const env = {
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl(),
        HOST_QUEUE_PREFIX: hostQueuePrefix,
        AGENTS_QUEUE_PREFIX: agentsQueuePrefix,
      };
      // NOTE: the worker first: it migrates the database (the host's table, then the library's).
      worker = await startHostWorker(host.dir, env);
      api = await startHost(host.dir, { ...env, AGENTS_WORKERS: 'off' });
    }, 60_000);

    afterAll(async () => {
      await api?.stop();
      await worker?.stop();
      await dropDatabase?.();
    });

    it('keeps the host’s queue on its own prefix and its worker writing its own entity, and hands the host’s @InjectQueue the library’s queue', async () => {
      expect(await getJson('/infra')).toEqual({
        mailQueue: { name: 'host-mail', prefix: hostQueuePrefix },
        agentsQueue: { name: 'agents-default', prefix: agentsQueuePrefix },
        oneDataSource: true,
      });
      const sent = await fetch(`${api.url}/infra/mail`, { method: 'POST', headers, body: JSON.stringify({ text: 'hello from the host' }) });
      expect(sent.status).toBe(201);
      await expect.poll(() => getJson<string[]>('/infra/notes'), { timeout: 10_000 }).toEqual(['hello from the host']);
    });

    it('serves the app and the library from the host’s one pool: no connection of a DataSource of the library’s own', async () => {
      const sql = new pg.Client({ connectionString: adminUrl() });
      await sql.connect();
      try {
        const { rows } = await sql.query<{ application_name: string }>(
          `SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = $1 AND application_name <> '' ORDER BY 1`,
          [new URL(databaseUrl).pathname.slice(1)],
        );
        expect(rows.map((r) => r.application_name)).toEqual(['esm-host']);
      } finally {
        await sql.end();
      }
    });

    it('tells the API process’s @OnEvent listener of a run the worker process executed', async () => {
      const started = await fetch(`${api.url}/greetings`, { method: 'POST', headers, body: JSON.stringify({ name: 'Barbara' }) });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      await expect.poll(() => getJson<unknown[]>(`/infra/heard/${id}`), { timeout: 20_000 }).toHaveLength(1);
      expect((await getJson<unknown[]>(`/infra/heard/${id}`))[0]).toMatchObject({
        event: 'agent.execution.completed',
        executionId: id,
        agentType: 'greeting',
        status: 'completed',
        tenantId: 'acme',
        userId: 'ada',
        stepCount: 2,
      });
      expect(worker.output()).not.toContain('ERROR');
    });
  });
});
