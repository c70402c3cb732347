import pg from 'pg';
import { adminUrl } from './test-env.js';

export interface Backend {
  pid: number;
  application_name: string;
  state: string;
  /** Its current or last statement, cut short. */
  query: string;
}

/**
 * Who is connected to one database, as the server sees it, from a client of the admin database
 * (so it is never among them). `close()` when done.
 */
export class BackendWatcher {
  private constructor(private readonly client: pg.Client) {}

  static async connect(): Promise<BackendWatcher> {
    const client = new pg.Client({ connectionString: adminUrl(), application_name: 'agents-test-watcher' });
    await client.connect();
    return new BackendWatcher(client);
  }

  async of(database: string, where = 'true', values: unknown[] = []): Promise<Backend[]> {
    const { rows } = await this.client.query<Backend>(
      `SELECT pid, application_name, state, left(query, 60) AS query FROM pg_stat_activity
       WHERE datname = $1 AND backend_type = 'client backend' AND (${where})`,
      [database, ...values],
    );
    return rows;
  }

  /** Terminates the backends `of(database, where)` lists; returns their pids. */
  async terminate(database: string, where: string, values: unknown[] = []): Promise<number[]> {
    const pids = (await this.of(database, where, values)).map((b) => b.pid);
    await this.client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    return pids;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
