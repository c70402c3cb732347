import type { Execution } from '../../../../../client/index.js';
import { isTerminalStatus } from '../../../../../client/index.js';

/** How long a run ran (ms): start to end when it ended, start to `now` while it goes on, null before it started. */
export function runDuration(
  e: Pick<Execution, 'started_at' | 'completed_at' | 'duration_seconds' | 'status'>,
  now = Date.now(),
): number | null {
  if (e.duration_seconds !== null && e.duration_seconds !== undefined && isTerminalStatus(e.status)) return e.duration_seconds * 1000;
  if (!e.started_at) return null;
  const end = e.completed_at ? Date.parse(e.completed_at) : isTerminalStatus(e.status) ? null : now;
  return end === null ? null : Math.max(0, end - Date.parse(e.started_at));
}
