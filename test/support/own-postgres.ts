import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const BIN = `/usr/lib/postgresql/${readdirSync('/usr/lib/postgresql').sort().at(-1)}/bin`;

/**
 * A PostgreSQL server of the test's own, on a free port of loopback, that the test may stop and
 * start again (the machine's shared server is never touched). Run by the `postgres` user when the
 * tests run as root: PostgreSQL refuses root.
 */
export class OwnPostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<OwnPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'own-pg-'));
    chmodSync(dir, 0o700);
    if (userInfo().uid === 0) chownSync(dir, 101, 104);
    const server = new OwnPostgres(dir, await freePort());
    await server.as(`${BIN}/initdb`, ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
    await server.start();
    return server;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    return this.url(name);
  }

  start(): Promise<void> {
    const options = `-p ${this.port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off`;
    return this.as(`${BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']).then(
      () => undefined,
    );
  }

  /** A fast shutdown: open connections are cut, as in a failover or a restart for an upgrade. */
  stop(): Promise<void> {
    return this.as(`${BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']).then(() => undefined);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private as(program: string, args: string[]) {
    return userInfo().uid === 0 ? run('runuser', ['-u', 'postgres', '--', program, ...args]) : run(program, args);
  }
}
