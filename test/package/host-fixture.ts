import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';
import { adminUrl, databaseUrl } from '../support/test-env.js';

const run = promisify(execFile);

/** The fixture host apps kept in the repo: each a small Nest app that installs the packed tarball. */
export const FIXTURES_DIR = resolve('test/package/fixtures');

/** The package as `npm pack` builds it (from the build the global setup made), with npm's own summary. */
export interface PackedPackage {
  tarball: string;
  size: number;
  files: string[];
}

export async function packLibrary(into: string): Promise<PackedPackage> {
  // NOTE: --ignore-scripts: `prepack` would rebuild dist/ under the tests that run the example app.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { maxBuffer: 64 * 1024 * 1024 });
  const [summary] = JSON.parse(stdout) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
  return { tarball: join(into, summary!.filename), size: summary!.size, files: summary!.files.map((f) => f.path) };
}

const npm = (cwd: string, args: string[]) =>
  run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 * 1024 * 1024 });

const diskUsageKb = async (dir: string): Promise<number> => Number((await run('du', ['-sk', dir])).stdout.split('\t')[0]);

/** A copy of a fixture in a scratch folder, with its own dependencies installed, then the tarball. */
export interface InstalledHost {
  dir: string;
  /** `node_modules` before and after installing the tarball, in KB. */
  nodeModulesKb: { before: number; after: number };
  /** How long `npm install <tarball>` took. */
  installMs: number;
}

export async function installHost(fixture: string, scratch: string, tarball: string): Promise<InstalledHost> {
  const dir = join(scratch, fixture);
  cpSync(join(FIXTURES_DIR, fixture), dir, { recursive: true });
  await npm(dir, ['install']);
  const before = await diskUsageKb(join(dir, 'node_modules'));
  const installStartedAt = Date.now();
  await npm(dir, ['install', tarball]);
  const installMs = Date.now() - installStartedAt;
  const after = await diskUsageKb(join(dir, 'node_modules'));
  return { dir, nodeModulesKb: { before, after }, installMs };
}

/** The host's own compiler, on its own tsconfig (strict, no skipLibCheck): our declarations must hold. */
export async function compileHost(dir: string): Promise<void> {
  try {
    await run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    throw new Error(`tsc failed in ${dir}:\n${stdout}${stderr}`, { cause: error });
  }
}

/** Every installed copy of `name` under `dir/node_modules`, nested ones included. */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string) => {
    if (!existsSync(nodeModules)) return;
    if (existsSync(join(nodeModules, name, 'package.json'))) found.push(join(nodeModules, name));
    for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const packages = entry.name.startsWith('@')
        ? readdirSync(join(nodeModules, entry.name), { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => join(nodeModules, entry.name, e.name))
        : [join(nodeModules, entry.name)];
      for (const pkg of packages) visit(join(pkg, 'node_modules'));
    }
  };
  visit(join(dir, 'node_modules'));
  return found;
}

/** An empty database for one host (named so the global teardown drops it if the test could not). */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const parentPid = inject('templateDatabase').split('_').pop();
  const name = `agents_t_${parentPid}_pkg_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: databaseUrl(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A running host app: its URL (it prints where it listens), its output so far, and a SIGTERM stop. */
export interface RunningHost {
  url: string;
  output(): string;
  /** SIGTERM, then how the process ended and how long the shutdown took. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export function startHost(
  dir: string,
  env: Record<string, string>,
  entry = { script: 'dist/main.js', ready: /listening on (\S+)/ },
): Promise<RunningHost> {
  const child: ChildProcess = spawn(process.execPath, [entry.script], {
    cwd: dir,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  return new Promise((resolveStart, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = entry.ready.exec(output);
      if (match) {
        const url = match[1] ?? '';
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
        resolveStart({
          url: url.replace('[::1]', '127.0.0.1'),
          output: () => output,
          stop: async () => {
            const startedAt = Date.now();
            child.kill('SIGTERM');
            return { ...(await exited), ms: Date.now() - startedAt };
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    void exited.then(({ code }) => reject(new Error(`${dir}: the host exited (${code}) before listening:\n${output}`)));
  });
}

/** The host's worker entry (`dist/worker.js`: no HTTP, workers on), once it says it is ready; its `url` is empty. */
export const startHostWorker = (dir: string, env: Record<string, string>): Promise<RunningHost> =>
  startHost(dir, env, { script: 'dist/worker.js', ready: /worker ready/ });

/** The host's own TypeORM CLI on its data source for the library's migrations (the fixture's `npm run migrate`). */
export async function migrateWithHostCli(dir: string, databaseUrl: string): Promise<string> {
  const bin = readJson<{ bin: Record<string, string> }>(join(dir, 'node_modules/typeorm/package.json')).bin.typeorm!;
  const { stdout } = await run(
    process.execPath,
    [join(dir, 'node_modules/typeorm', bin), 'migration:run', '-d', 'dist/agents.datasource.js'],
    {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      timeout: 60_000,
    },
  );
  return stdout;
}

/** Runs the host's client script (`dist/watch.js`): starts a run through the library's REST route and follows it over Socket.IO. */
export async function watchRun(dir: string, args: string[]): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await run(process.execPath, ['dist/watch.js', ...args], { cwd: dir, timeout: 30_000 });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
