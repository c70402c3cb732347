import type { JobsOptions, Queue } from 'bullmq';
import { GroupCommit } from './group-commit.js';
import type { ExecutionJobData } from './queue-backend.js';

/** One job to add, as `Queue.addBulk` takes it. */
export interface JobToAdd {
  name: string;
  data: ExecutionJobData;
  opts: JobsOptions;
}

/**
 * The adds of one queue, those made while others are in flight sent together in one `addBulk`
 * (at most 200, two on their way at once). An add with room in flight goes at once and alone, so
 * a lone start waits for nothing; under load, one round trip (on PostgreSQL: one commit) carries
 * many. A failed batch fails each add in it (each caller's job is a hint: the recovery sweep
 * re-enqueues a row whose job was lost).
 */
export const batchedAdds = (queue: Queue<ExecutionJobData>): GroupCommit<JobToAdd, void> =>
  new GroupCommit<JobToAdd, void>(
    async (batch) => {
      const [first] = batch;
      if (batch.length === 1) await queue.add(first!.name, first!.data, first!.opts);
      else await queue.addBulk([...batch]);
      return batch.map(() => undefined);
    },
    { maxBatch: 200, inFlight: 2 },
  );
