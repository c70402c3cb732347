import type { JobsOptions, Queue } from 'bullmq';
import type { ExecutionJobData } from './queue-backend.js';

/** One job to add, as `Queue.addBulk` takes it. */
export interface JobToAdd {
  name: string;
  data: ExecutionJobData;
  opts: JobsOptions;
}

interface Waiting {
  job: JobToAdd;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Adds in flight at once; those that arrive meanwhile wait and go together in the next one. */
const IN_FLIGHT = 2;
/** At most this many jobs in one `addBulk` (one statement). */
const MAX_BATCH = 200;

/**
 * The adds of one queue, those made while others are in flight sent together in one `addBulk`.
 * An add with room in flight goes at once and alone, so a lone start waits for nothing; under
 * load, one round trip (on PostgreSQL: one commit) carries many. A failed batch fails each add
 * in it (each caller's job is a hint: the recovery sweep re-enqueues a row whose job was lost).
 */
export class BatchedAdds {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly queue: Queue<ExecutionJobData>) {}

  add(job: JobToAdd): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      if (this.inFlight < IN_FLIGHT) void this.send();
    });
  }

  /** Sends what waits, batch after batch, until nothing does. */
  private async send(): Promise<void> {
    this.inFlight++;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          const [first] = batch;
          if (batch.length === 1) await this.queue.add(first!.job.name, first!.job.data, first!.job.opts);
          else await this.queue.addBulk(batch.map((w) => w.job));
          for (const w of batch) w.resolve();
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.inFlight--;
    }
  }
}
