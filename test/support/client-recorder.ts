import type { LogEvent, StatusEvent, StepEvent, SubscriptionHandlers, TokenEvent } from '../../client/index.js';

/** Handlers that record everything a subscription delivers, plus waits on what they recorded. */
export interface Recorder {
  handlers: Required<SubscriptionHandlers>;
  steps: StepEvent[];
  statuses: StatusEvent[];
  logs: LogEvent[];
  tokens: TokenEvent[];
  errors: Error[];
  /** Resolves once a status satisfying `predicate` was delivered (at once if one already was). */
  status(predicate: (s: StatusEvent) => boolean): Promise<StatusEvent>;
  /** Resolves once at least `n` steps were delivered. */
  stepCount(n: number): Promise<void>;
}

export function recorder(): Recorder {
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const until = <T>(check: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        waiters.delete(attempt);
        resolve(value);
      };
      waiters.add(attempt);
      attempt();
    });
  const r: Recorder = {
    steps: [],
    statuses: [],
    logs: [],
    tokens: [],
    errors: [],
    handlers: {
      onStep: (e) => (r.steps.push(e), notify()),
      onStatus: (e) => (r.statuses.push(e), notify()),
      onLog: (e) => (r.logs.push(e), notify()),
      onToken: (e) => (r.tokens.push(e), notify()),
      onError: (e) => (r.errors.push(e), notify()),
    },
    status: (predicate) => until(() => r.statuses.find(predicate)),
    stepCount: (n) => until(() => (r.steps.length >= n ? true : undefined)).then(() => undefined),
  };
  return r;
}

/** `[1, 2, …, n]`: the step numbers of a run that delivered every step once, in order. */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
