import pg from 'pg';
import { deferred, within, type Deferred } from './deferred.js';

/** The columns of `agent_executions` a benchmark watches. */
export interface WatchedRow {
  id: string;
  status: string;
  step_count: number;
  lease_epoch: number;
}

export interface Seen {
  /** performance.now() when the poll that first saw the change was sent (its snapshot is taken right after). */
  at: number;
  row: WatchedRow;
}

interface Waiter {
  id: string;
  predicate: (row: WatchedRow) => boolean;
  seen: Deferred<Seen>;
}

/**
 * Sees a committed change to an execution row by polling it on one dedicated connection, every
 * `intervalMs` while someone waits (and not at all otherwise). One query serves every waiter.
 * The library publishes status changes only inside the process that made them, so from another
 * process a poll is the way to see them; its resolution is the poll period, reported by `periodMs`.
 */
export class RowWatcher {
  private readonly waiters = new Set<Waiter>();
  private polling = false;
  private closed = false;
  private periods = 0;
  private periodSumMs = 0;

  private constructor(
    private readonly client: pg.Client,
    readonly intervalMs: number,
  ) {}

  static async open(url: string, intervalMs: number): Promise<RowWatcher> {
    const client = new pg.Client({ connectionString: url, application_name: 'nestjs-agents-bench-watcher' });
    await client.connect();
    return new RowWatcher(client, intervalMs);
  }

  /** Resolves at the first poll whose row satisfies `predicate`. */
  waitFor(id: string, predicate: (row: WatchedRow) => boolean, timeoutMs: number, what: string): Promise<Seen> {
    const waiter: Waiter = { id, predicate, seen: deferred<Seen>() };
    this.waiters.add(waiter);
    if (!this.polling) void this.poll();
    return within(waiter.seen.promise, timeoutMs, what).finally(() => this.waiters.delete(waiter));
  }

  /** Mean time between two polls' sends while polling back to back. */
  get periodMs(): number | null {
    return this.periods === 0 ? null : this.periodSumMs / this.periods;
  }

  resetPeriod(): void {
    this.periods = 0;
    this.periodSumMs = 0;
  }

  private async poll(): Promise<void> {
    this.polling = true;
    let previous: number | null = null;
    try {
      while (this.waiters.size > 0 && !this.closed) {
        const ids = [...new Set([...this.waiters].map((w) => w.id))];
        const at = performance.now();
        if (previous !== null) {
          this.periods++;
          this.periodSumMs += at - previous;
        }
        previous = at;
        const { rows } = await this.client.query<WatchedRow>({
          name: 'bench_watch',
          text: 'SELECT id, status, step_count, lease_epoch FROM agent_executions WHERE id = ANY($1::uuid[])',
          values: [ids],
        });
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const waiter of this.waiters) {
          const row = byId.get(waiter.id);
          if (row && waiter.predicate(row)) {
            waiter.seen.resolve({ at, row });
            this.waiters.delete(waiter);
          }
        }
        if (this.waiters.size > 0) await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    } catch (error) {
      for (const waiter of this.waiters) waiter.seen.reject(error as Error);
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.end();
  }
}
