import { useState } from 'preact/hooks';
import { isTerminalStatus, type AdminExecution, type ExecutionStatus } from '../../../../../client/index.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { describeError } from '../format.js';
import { href } from '../route.js';
import { canRetry } from '../runs/run-table.js';
import { useClient } from '../use-load.js';

/** Which controls make sense in which status (the server has the last word: 409 otherwise). */
const canPause = (s: ExecutionStatus) => ['scheduled', 'pending', 'running', 'awaiting_input', 'awaiting_event'].includes(s);

/** JSON when it parses, else the text as it is. */
function parseInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Pause, resume, cancel, kill, send input, retry. Cancel and kill ask first. A running run
 * answers at the end of its step: the status shown changes when its event arrives.
 */
export function RunControls({ run, onDone }: { run: AdminExecution; onDone: () => void }) {
  const client = useClient();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [input, setInput] = useState('');
  const status = run.status;
  const act = (label: string, action: () => Promise<unknown>) => {
    setError('');
    setBusy(true);
    action().then(
      () => {
        setBusy(false);
        onDone();
      },
      (e: unknown) => {
        setBusy(false);
        setError(`${label}: ${describeError(e)}`);
      },
    );
  };
  const waitingApprovals = run.pending_approvals.length > 0;
  const inputOpen = status === 'awaiting_input' && !waitingApprovals;

  return (
    <div class="run-controls">
      <div class="row" role="group" aria-label="Lifecycle">
        <button
          type="button"
          disabled={busy || !canPause(status)}
          onClick={() => act('Pause', () => client.admin.pause(run.id))}
          data-testid="action-pause"
        >
          Pause
        </button>
        <button
          type="button"
          disabled={busy || status !== 'paused'}
          onClick={() => act('Resume', () => client.admin.resume(run.id))}
          data-testid="action-resume"
        >
          Resume
        </button>
        <ConfirmButton
          label="Cancel"
          question="Cancel this run? The step in flight may finish first."
          disabled={busy || isTerminalStatus(status)}
          onConfirm={() => act('Cancel', () => client.admin.cancel(run.id))}
          testId="action-cancel"
        />
        <ConfirmButton
          label="Kill"
          question="Force kill? The step in flight is aborted and commits nothing."
          disabled={busy || isTerminalStatus(status)}
          onConfirm={() => act('Kill', () => client.admin.kill(run.id))}
          testId="action-kill"
        />
        {canRetry(run) && (
          <button
            type="button"
            disabled={busy}
            onClick={() => act('Retry', () => client.admin.retry(run.id).then((fresh) => (location.hash = href.run(fresh.id))))}
            data-testid="action-retry"
          >
            Retry
          </button>
        )}
      </div>
      {status === 'awaiting_input' && (
        <form
          class="row send-input"
          onSubmit={(e) => {
            e.preventDefault();
            act('Send input', () => client.admin.sendInput(run.id, parseInput(input)).then(() => setInput('')));
          }}
        >
          <label class="grow">
            Input for the run (JSON or text)
            <textarea
              rows={2}
              spellcheck={false}
              value={input}
              disabled={!inputOpen}
              onInput={(e) => setInput(e.currentTarget.value)}
              data-testid="input-value"
            />
          </label>
          <button type="submit" disabled={busy || !inputOpen} data-testid="action-input">
            Send input
          </button>
        </form>
      )}
      {waitingApprovals && status === 'awaiting_input' && <p class="muted">Decide the tool calls below before sending input.</p>}
      <p class="error" role="alert" data-testid="view-message">
        {error}
      </p>
    </div>
  );
}
