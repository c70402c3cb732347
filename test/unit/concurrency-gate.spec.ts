import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../src/agent/infrastructure/concurrency-gate.js';

/** Tasks the test finishes by hand, recording which have begun. */
function manualTasks(gate: ConcurrencyGate, count: number) {
  const begun: number[] = [];
  const finish: Array<(fail?: Error) => void> = [];
  const results = Array.from({ length: count }, (_, n) =>
    gate.run(
      () =>
        new Promise<string>((resolve, reject) => {
          begun.push(n);
          finish[n] = (fail) => (fail ? reject(fail) : resolve(`done ${n}`));
        }),
    ),
  );
  return { begun, finish, results };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyGate', () => {
  it('runs at most its limit at once, the others in the order they came as turns free up', async () => {
    const { begun, finish, results } = manualTasks(new ConcurrencyGate(2), 5);
    await settle();
    expect(begun).toEqual([0, 1]);
    finish[1]!();
    await settle();
    expect(begun).toEqual([0, 1, 2]);
    finish[0]!();
    finish[2]!();
    await settle();
    expect(begun).toEqual([0, 1, 2, 3, 4]);
    finish[3]!();
    finish[4]!();
    expect(await Promise.all(results)).toEqual(['done 0', 'done 1', 'done 2', 'done 3', 'done 4']);
  });

  it('a task that fails gives its turn to the next one and fails alone', async () => {
    const { begun, finish, results } = manualTasks(new ConcurrencyGate(1), 3);
    await settle();
    expect(begun).toEqual([0]);
    finish[0]!(new Error('lost'));
    await expect(results[0]).rejects.toThrow('lost');
    await settle();
    expect(begun).toEqual([0, 1]);
    finish[1]!();
    await settle();
    finish[2]!();
    expect(await Promise.all(results.slice(1))).toEqual(['done 1', 'done 2']);
  });

  it('gives a turn back when no one waits: the next task begins at once', async () => {
    const gate = new ConcurrencyGate(1);
    expect(await gate.run(async () => 'first')).toBe('first');
    const { begun, finish, results } = manualTasks(gate, 1);
    expect(begun).toEqual([0]);
    finish[0]!();
    expect(await results[0]).toBe('done 0');
  });

  it('is busy while a task runs, and tells its listeners when the last one ends with none waiting', async () => {
    const gate = new ConcurrencyGate(2);
    let idle = 0;
    gate.onIdle(() => idle++);
    expect(gate.busy).toBe(false);
    const { finish, results } = manualTasks(gate, 3);
    await settle();
    expect(gate.busy).toBe(true);
    finish[0]!();
    await settle();
    // Its turn went to the third task: still busy, not idle.
    expect([gate.busy, idle]).toEqual([true, 0]);
    finish[1]!();
    await settle();
    expect([gate.busy, idle]).toEqual([true, 0]);
    finish[2]!(new Error('lost'));
    await expect(results[2]).rejects.toThrow('lost');
    expect([gate.busy, idle]).toEqual([false, 1]);
  });
});
