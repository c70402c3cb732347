import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MaintenanceUsageError, parseMaintenanceCommand, type Transport } from '../../src/agent/index.js';
import { seedExecution } from '../support/execution-factory.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { redisUrl } from '../support/test-env.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const REPORT_LOADED_PACKAGES = `--import=${pathToFileURL(resolve('test/support/report-loaded-packages.mjs')).href}`;

/** `npm run agents -- <args>` without the build: the global setup built `dist/`. */
async function cli(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<CliRun> {
  const child = spawn(process.execPath, [...nodeFlags, resolve('dist/src/cli.js'), ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

// NOTE: every run boots the example app in a child process: seconds each on a busy machine.
describe.each<Transport>(['redis', 'postgres'])('npm run agents (%s transport)', { timeout: 60_000 }, (transport) => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      AGENTS_TRANSPORT: transport,
      REDIS_URL: redisUrl(),
      AGENTS_QUEUE_PREFIX: uniquePrefix(),
    };
  });

  afterAll(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE agent_executions CASCADE');
  });

  const statusOf = async (id: string) => (await db.sql.query('SELECT status FROM agent_executions WHERE id = $1', [id])).rows[0]?.status;
  const age = (id: string, columns: string[], interval: string) =>
    db.sql.query(`UPDATE agent_executions SET ${columns.map((c) => `${c} = now() - $2::interval`).join(', ')} WHERE id = $1`, [
      id,
      interval,
    ]);
  const addLog = (id: string, interval: string) =>
    db.sql.query(
      `INSERT INTO agent_logs (execution_id, level, event_type, message, created_at) VALUES ($1, 'info', 'step_completed', 'seeded', now() - $2::interval)`,
      [id, interval],
    );

  it('recover-stuck --timeout=30 puts stuck executions back to pending and says what it did', async () => {
    const stuck = await seedExecution(db, { status: 'running', heartbeatAgoMs: 45 * 60_000 });
    const recent = await seedExecution(db, { status: 'running', heartbeatAgoMs: 10 * 60_000 });
    const orphan = await seedExecution(db, { status: 'pending' });
    await age(orphan, ['updated_at'], '1 hour');

    const run = await cli(['recover-stuck', '--timeout=30'], env);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'Recovered 1 stuck execution (running, no heartbeat for 30 minutes): back to pending',
      'Re-enqueued 1 pending execution waiting over 30 minutes (their job may have been lost)',
      'Settled 0 ended executions whose conversation, pipeline or parent had not heard of its end',
    ]);
    expect(await statusOf(stuck)).toBe('pending');
    expect(await statusOf(recent)).toBe('running');

    // A shorter timeout reaches the other one; the report as JSON.
    const json = await cli(['recover-stuck', '--timeout=5', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ job: 'recover-stuck', skipped: false, afterSeconds: 300, recovered: 1 });
    expect(await statusOf(recent)).toBe('pending');
  });

  it('cleanup --days=30 --logs-days=7 deletes old finished executions and old logs, ends expired waits, and says how many', async () => {
    const old = await seedExecution(db, { status: 'completed' });
    await age(old, ['created_at', 'completed_at', 'updated_at'], '31 days');
    await addLog(old, '31 days');
    const recent = await seedExecution(db, { status: 'failed' });
    await age(recent, ['completed_at', 'updated_at'], '29 days');
    const running = await seedExecution(db, { status: 'running' });
    await age(running, ['created_at'], '90 days');
    await addLog(running, '8 days');
    await addLog(running, '6 days');
    await addLog(recent, '8 days');
    const eventWait = await seedExecution(db, { status: 'awaiting_event' });
    await db.sql.query(`UPDATE agent_executions SET awaiting_until = now() - interval '1 minute' WHERE id = $1`, [eventWait]);

    const run = await cli(['cleanup', '--days=30', '--logs-days=7'], env);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'Deleted 1 finished execution older than 30 days, with their logs, messages and signals',
      'Deleted 2 logs older than 7 days',
      'Failed 0 executions whose input wait had expired (awaiting_input_timeout)',
      'Failed 1 execution whose event wait had expired (awaiting_event_timeout)',
      'Deleted 0 inbox events consumed or past their TTL',
      'Deleted 0 webhook delivery ids too old to be replayed',
      expect.stringMatching(/^Removed \d+ workspaces? unused for 7 days$/), // the workspace directory is shared by the test files
    ]);
    expect(await statusOf(old)).toBeUndefined();
    expect(await statusOf(eventWait)).toBe('failed');
    expect(await statusOf(recent)).toBe('failed');
    expect(await statusOf(running)).toBe('running');
    const { rows } = await db.sql.query(`SELECT execution_id FROM agent_logs WHERE event_type = 'step_completed'`);
    expect(rows).toEqual([{ execution_id: running }]);
  });

  it('refuses a timeout shorter than the lease timeout (exit 2), after booting', async () => {
    const stuck = await seedExecution(db, { status: 'running', heartbeatAgoMs: 45 * 60_000 });
    const run = await cli(['recover-stuck', '--timeout=1'], { ...env, AGENTS_LEASE_TIMEOUT_MS: '120000' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('below the lease timeout (120 s)');
    expect(await statusOf(stuck)).toBe('running');
  });

  it('exits 75 without doing anything while another instance runs the same job', async () => {
    const old = await seedExecution(db, { status: 'completed' });
    await age(old, ['completed_at', 'updated_at'], '40 days');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      // The lock a cleanup run holds: ('agnt', 2).
      await holder.query('SELECT pg_advisory_lock($1, 2)', [0x6167_6e74]);
      const run = await cli(['cleanup'], env);
      expect(run.code).toBe(75);
      expect(run.stdout).toContain('Skipped: another instance is running cleanup right now');
      expect(await statusOf(old)).toBe('completed');
    } finally {
      await holder.end();
    }
  });
});

describe('npm run agents with bad arguments', () => {
  // No database: arguments are checked before anything boots.
  const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

  it.for<[string[], RegExp]>([
    [['recover-stuck', '--timeout=abc'], /--timeout must be a positive whole number of minutes \(got 'abc'\)/],
    [['cleanup', '--timeout=30'], /Unknown option '--timeout'/],
    [['frobnicate'], /Unknown command 'frobnicate'\. Commands: recover-stuck, cleanup/],
    [[], /No command given/],
  ])('%j → exit 2 with a clear message', async ([args, message]) => {
    const run = await cli(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('npm run agents -- --help');
    expect(run.stdout).toBe('');
  });

  it('answers the usage and a typo before the library, Nest or the app loads', async () => {
    for (const args of [['--help'], ['frobnicate']]) {
      const run = await cli(args, env, [REPORT_LOADED_PACKAGES]);
      const loaded = /loaded packages: (.*)/.exec(run.stderr)?.[1];
      expect(loaded, run.stderr).toBeDefined();
      expect(loaded!.split(', ').filter((name) => /^(nestjs-agents|@nestjs\/|typeorm|bullmq|pg)$/.test(name))).toEqual([]);
    }
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await cli(['--help'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('recover-stuck [--timeout=<minutes>]');
    expect(run.stdout).toContain('cleanup [--days=<n>] [--logs-days=<n>]');
  });
});

describe("the commands' arguments", () => {
  it.for<[string[], RegExp]>([
    [['recover-stuck', '--timeout=0'], /--timeout must be a positive whole number of minutes \(got '0'\)/],
    [['recover-stuck', '--timeout'], /argument missing/],
    [['recover-stuck', '--days=3'], /Unknown option '--days'/],
    [['cleanup', '--days=-3'], /--days must be a positive whole number of days/],
    [['cleanup', '--logs-days=1.5'], /--logs-days must be a positive whole number of days/],
    [['cleanup', 'extra'], /positional argument/],
  ])('%j is refused', ([args, message]) => {
    expect(() => parseMaintenanceCommand(args)).toThrow(MaintenanceUsageError);
    expect(() => parseMaintenanceCommand(args)).toThrow(message);
  });

  it('are read in minutes and days', () => {
    expect(parseMaintenanceCommand(['recover-stuck', '--timeout=30'])).toEqual({
      name: 'recover-stuck',
      afterSeconds: 1800,
      json: false,
      verbose: false,
    });
    expect(parseMaintenanceCommand(['recover-stuck', '--json'])).toEqual({
      name: 'recover-stuck',
      afterSeconds: undefined,
      json: true,
      verbose: false,
    });
    expect(parseMaintenanceCommand(['cleanup', '--days=30', '--logs-days', '7'])).toEqual({
      name: 'cleanup',
      executionRetentionDays: 30,
      logRetentionDays: 7,
      json: false,
      verbose: false,
    });
    expect(parseMaintenanceCommand(['cleanup', '--help'])).toEqual({ name: 'help' });
  });
});
