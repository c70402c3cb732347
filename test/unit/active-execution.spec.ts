import { describe, expect, it } from 'vitest';
import { ActiveExecution, ForceKilledError, StopRequestedError } from '../../src/agent/executions/active-executions.js';

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
