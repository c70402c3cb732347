/**
 * Runs at most `limit` tasks at once; the others wait for a free turn, first come first served.
 * For statements that are CPU-bound on the database: side by side beyond its cores they slow each
 * other down (lock and CPU contention) instead of finishing sooner.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleListeners: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Whether a task is running now. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Called each time the last running task ends with none waiting. */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((turn) => this.waiting.push(turn));
    try {
      return await task();
    } finally {
      // The turn passes straight to the next in line (`running` unchanged), or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else if (--this.running === 0) for (const listener of this.idleListeners) listener();
    }
  }
}
