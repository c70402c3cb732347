/** How a job's run ended, for the processor, tests and metrics. */
export const RunOutcome = {
  /** Terminal, parked or paused: the row had nothing for this job. */
  NotAcquired: 'not_acquired',
  /** Running under another runner's fresh lease: the job looks again when it would be stale. */
  Held: 'held',
  LeaseLost: 'lease_lost',
  Killed: 'killed',
  /** Completed, failed, or parked (input, event, children). */
  Ended: 'ended',
  Paused: 'paused',
  Cancelled: 'cancelled',
  /** Back to `pending` with a continuation job (a spent chunk, a worker shutting down). */
  Continued: 'continued',
} as const;
export type RunOutcome = (typeof RunOutcome)[keyof typeof RunOutcome];

export interface RunResult {
  outcome: RunOutcome;
  /** With `held`: when the holder's lease goes stale unless it heartbeats; the job checks again then. */
  retryInMs?: number;
}
