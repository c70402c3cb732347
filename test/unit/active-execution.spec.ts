import { describe, expect, it } from 'vitest';
import {
  ActiveExecution,
  ActiveExecutions,
  ForceKilledError,
  StopRequestedError,
} from '../../src/agent/executions/run/active-executions.js';
import type { ResolvedAgentOptions } from '../../src/agent/agent.options.js';
import type { ExecutionTransitions } from '../../src/agent/executions/lifecycle/execution-transitions.js';
import type { SignalNotice, SignalNotifier } from '../../src/agent/infrastructure/signal-notifier.js';

describe('ActiveExecution', () => {
  it('gives back a step that began after the pause or cancel was asked (the commit before it missed the request)', () => {
    const active = new ActiveExecution('e1', 1);
    const step = new AbortController();
    active.beginStep(step);
    active.requestStop('pause', Date.now() - 5);
    expect(step.signal.reason).toBeInstanceOf(StopRequestedError);
    expect([...active.requested]).toEqual(['pause']);
  });

  it('lets a step asked to stop during its run finish: the request lands at its end', () => {
    const active = new ActiveExecution('e1', 1);
    const step = new AbortController();
    active.beginStep(step);
    active.requestStop('cancel', Date.now() + 5);
    active.requestStop('pause', undefined);
    expect(step.signal.aborted).toBe(false);
    expect([...active.requested].sort()).toEqual(['cancel', 'pause']);
  });

  it('aborts the step in flight on kill, and any later step at once', () => {
    const active = new ActiveExecution('e1', 1);
    const first = new AbortController();
    active.beginStep(first);
    active.kill();
    expect(first.signal.reason).toBeInstanceOf(ForceKilledError);
    active.endStep();
    const next = new AbortController();
    active.beginStep(next);
    expect(next.signal.reason).toBeInstanceOf(ForceKilledError);
  });
});

describe('ActiveExecutions', () => {
  /** A registry on a notifier the test speaks through. */
  function registry() {
    let hear: (notice: SignalNotice) => void = () => undefined;
    const notifier: SignalNotifier = {
      publish: async () => undefined,
      subscribe: (h) => ((hear = h), () => undefined),
      ready: async () => undefined,
    };
    const options = { workers: { enabled: true }, lifecycle: { cancelGraceMs: 60_000 } } as unknown as ResolvedAgentOptions;
    const executions = new ActiveExecutions(notifier, options, {} as ExecutionTransitions);
    executions.onModuleInit();
    return { executions, hear: (notice: SignalNotice) => hear(notice) };
  }

  it('applies a cancel or kill heard between taking the lease and registering', () => {
    const { executions, hear } = registry();
    const leasedSince = Date.now() - 10;
    hear({ executionId: 'cancelled', type: 'cancel', graceMs: 60_000, requestedAt: Date.now() });
    hear({ executionId: 'killed', type: 'kill' });
    const cancelled = executions.register('cancelled', 1, leasedSince);
    const killed = executions.register('killed', 1, leasedSince);
    expect([...cancelled.requested]).toEqual(['cancel']);
    expect(killed.killed).toBe(true);
    executions.release(cancelled);
    executions.release(killed);
  });

  it('ignores a pause or cancel made to another lease of the run, and acts on one made to its own', () => {
    const { executions, hear } = registry();
    const run = executions.register('resumed', 3, Date.now() - 10);
    const step = new AbortController();
    run.beginStep(step);
    hear({ executionId: 'resumed', type: 'pause', requestedAt: Date.now() - 1_000, epoch: 2 });
    hear({ executionId: 'resumed', type: 'cancel', graceMs: 1, requestedAt: Date.now() - 1_000, epoch: 2 });
    expect([...run.requested]).toEqual([]);
    expect(step.signal.aborted).toBe(false);
    hear({ executionId: 'resumed', type: 'pause', requestedAt: Date.now() - 1_000, epoch: 3 });
    expect([...run.requested]).toEqual(['pause']);
    expect(step.signal.reason).toBeInstanceOf(StopRequestedError);
    executions.release(run);
  });

  it('ignores a cancel asked before this lease, and pauses it never kept', () => {
    const { executions, hear } = registry();
    hear({ executionId: 'old', type: 'cancel', graceMs: 60_000, requestedAt: Date.now() - 1_000 });
    hear({ executionId: 'paused', type: 'pause', requestedAt: Date.now() });
    const old = executions.register('old', 2, Date.now() - 10);
    const paused = executions.register('paused', 2, Date.now() - 10);
    expect([...old.requested]).toEqual([]);
    expect([...paused.requested]).toEqual([]);
    expect(old.killed || paused.killed).toBe(false);
  });
});
