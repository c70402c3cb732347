import type { ExecutionStatus } from '../../../../../client/index.js';

/** A status as a coloured label; the colour is never the only cue (the text is the status). */
export function StatusBadge({ status, testId }: { status: ExecutionStatus | string; testId?: string }) {
  return (
    <span class={`status status-${status}`} data-testid={testId}>
      {status}
    </span>
  );
}
