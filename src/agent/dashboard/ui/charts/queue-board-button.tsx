import { describeError } from '../format.js';
import { useClient } from '../use-load.js';

/**
 * Opens bull-board (a queue's page, or all of them) in a new tab. A fresh dashboard session first:
 * its HttpOnly cookie is what lets bull-board's page in, and it is good for the next minutes.
 */
export function QueueBoardButton({ queue, label, testId }: { queue?: string; label: string; testId?: string }) {
  const client = useClient();
  const open = () =>
    client.admin.dashboardSession().then(
      (s) => window.open(queue ? `${s.queues_url}/queue/${encodeURIComponent(queue)}` : s.queues_url, '_blank', 'noopener'),
      (error: unknown) => alert(describeError(error)),
    );
  return (
    <button
      type="button"
      onClick={() => void open()}
      aria-label={queue ? `${label} of ${queue} in bull-board` : undefined}
      data-testid={testId}
    >
      {label}
    </button>
  );
}
