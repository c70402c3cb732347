import { describe, expect, it } from 'vitest';
import { FailedAlone, GroupCommit, type GroupCommitLimits } from '../../src/agent/infrastructure/group-commit.js';

/** A committer whose batches the test finishes by hand, recording what each carried. */
function manualCommitter(limits: GroupCommitLimits) {
  const sent: number[][] = [];
  const finish: Array<(fail?: Error) => void> = [];
  const group = new GroupCommit<number, string>(
    (batch) =>
      new Promise((resolve, reject) => {
        sent.push([...batch]);
        finish.push((fail) => (fail ? reject(fail) : resolve(batch.map((n) => `done ${n}`))));
      }),
    limits,
  );
  return { group, sent, finish };
}

/** Until a batch just finished has freed its slot (with `callersSendAgain`, a turn of the event loop after it answered: two from here). */
const turn = async () => {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('GroupCommit', () => {
  it('sends a request at once when a slot is free: nothing to batch, no delay', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 1 });
    const first = group.submit(1);
    expect(sent).toEqual([[1]]);
    finish[0]!();
    expect(await first).toBe('done 1');
    await turn();
    const second = group.submit(2);
    expect(sent).toEqual([[1], [2]]);
    finish[1]!();
    expect(await second).toBe('done 2');
  });

  it('batches what arrives while every slot is busy, in arrival order, each caller getting its own result', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    expect(sent).toEqual([[1], [2]]);
    finish[0]!();
    await turn();
    expect(sent).toEqual([[1], [2], [3, 4, 5]]);
    finish[1]!();
    finish[2]!();
    expect(await Promise.all(results)).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('a caller just answered that sends again at once joins what waits, instead of it leaving without', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 1, callersSendAgain: true });
    // Three runs whose next commit follows as soon as their last one answered (a run's next step).
    const runs = [1, 2, 3].map(async (n) => {
      await group.submit(n);
      await group.submit(n * 10);
    });
    finish[0]!();
    await turn();
    finish[1]!();
    await turn();
    // Without the turn's wait: [1], [2, 3], then 10, 20, 30 (the slot freed before run 1 could send again).
    expect(sent).toEqual([[1], [2, 3, 10], [20, 30]]);
    finish[2]!();
    await Promise.all(runs);
  });

  it('frees the slot at once where callers go on to something else', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 1 });
    const first = group.submit(1);
    const waiting = group.submit(2);
    finish[0]!();
    await first;
    expect(sent).toEqual([[1], [2]]);
    finish[1]!();
    await waiting;
  });

  it('holds its batches while the work it yields to is busy, and sends them together when told to resume', async () => {
    let busy = true;
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 2, yieldTo: { busy: () => busy, maxMs: 60_000 } });
    const results = [1, 2, 3].map((n) => group.submit(n));
    await turn();
    expect(sent).toEqual([]);
    busy = false;
    group.resume();
    // Both slots free and three waiting: an equal share each, never cut below 16, so all three in one.
    expect(sent).toEqual([[1, 2, 3]]);
    finish[0]!();
    expect(await Promise.all(results)).toEqual(['done 1', 'done 2', 'done 3']);
    // Not busy: a request goes at once, as without yieldTo.
    const alone = group.submit(4);
    expect(sent).toEqual([[1, 2, 3], [4]]);
    finish[1]!();
    expect(await alone).toBe('done 4');
  });

  it('holds a request no longer than maxMs, however long the work it yields to stays busy', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 1, yieldTo: { busy: () => true, maxMs: 50 } });
    const since = performance.now();
    const result = group.submit(1);
    expect(sent).toEqual([]);
    await expect.poll(() => sent.length, { interval: 5 }).toBe(1);
    expect(performance.now() - since).toBeGreaterThanOrEqual(45);
    finish[0]!();
    expect(await result).toBe('done 1');
  });

  it('never puts more than maxBatch in one statement', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 3, inFlight: 1 });
    const results = Array.from({ length: 8 }, (_, n) => group.submit(n));
    for (let i = 0; i < 4; i++) {
      finish[i]!();
      await turn();
    }
    expect(sent).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
    expect(await Promise.all(results)).toHaveLength(8);
  });

  it('gives each slot an equal share of what is outstanding, so batches run side by side', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 256, inFlight: 2 });
    const results = Array.from({ length: 66 }, (_, n) => group.submit(n));
    // The first two found a free slot each; 64 wait.
    expect(sent).toEqual([[0], [1]]);
    finish[0]!();
    await turn();
    // 64 waiting and 1 on its way, over two slots: 33 go (the rest would make one batch of 64 beside one of 1).
    expect(sent[2]).toEqual(Array.from({ length: 33 }, (_, i) => 2 + i));
    finish[1]!();
    await turn();
    expect(sent[3]).toEqual(Array.from({ length: 31 }, (_, i) => 35 + i));
    finish[2]!();
    finish[3]!();
    expect(await Promise.all(results)).toHaveLength(66);
  });

  it('keeps a few waiting requests together: a batch is not cut below 16', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 256, inFlight: 2 });
    const results = Array.from({ length: 12 }, (_, n) => group.submit(n));
    finish[0]!();
    await turn();
    expect(sent).toEqual([[0], [1], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
    finish[1]!();
    finish[2]!();
    expect(await Promise.all(results)).toHaveLength(12);
  });

  it('fails every request of a batch that failed, and goes on with the next', async () => {
    const { group, sent, finish } = manualCommitter({ maxBatch: 10, inFlight: 1 });
    const first = group.submit(1);
    const batched = [group.submit(2), group.submit(3)];
    finish[0]!();
    await turn();
    finish[1]!(new Error('connection lost'));
    await expect(first).resolves.toBe('done 1');
    for (const r of batched) await expect(r).rejects.toThrow('connection lost');
    await turn();
    const after = group.submit(4);
    expect(sent.at(-1)).toEqual([4]);
    finish[2]!();
    await expect(after).resolves.toBe('done 4');
  });

  it('fails only the request that failed alone', async () => {
    const group = new GroupCommit<number, number>(
      async (batch) => batch.map((n) => (n === 2 ? new FailedAlone(new Error('refused')) : n * 10)),
      {
        maxBatch: 10,
        inFlight: 1,
      },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.submit(n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 'refused', 30]);
  });
});
