import { useState } from 'preact/hooks';
import type { AdminExecution, PendingApproval } from '../../../../../client/index.js';
import { dateTime, describeError } from '../format.js';
import { useClient } from '../use-load.js';

function Approval({ runId, approval, onDone }: { runId: string; approval: PendingApproval; onDone: () => void }) {
  const client = useClient();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const decide = (approved: boolean) => {
    setBusy(true);
    setError('');
    client.admin.decideToolApproval(runId, approval.approval_id, { approved, ...(reason.trim() ? { reason: reason.trim() } : {}) }).then(
      () => onDone(),
      (e: unknown) => {
        setBusy(false);
        setError(describeError(e));
      },
    );
  };
  return (
    <li data-testid={`approval-${approval.approval_id}`}>
      <div>
        <strong>{approval.tool_name}</strong> <span class="muted">asked {dateTime(approval.requested_at)}</span>
      </div>
      <code class="approval-input">{JSON.stringify(approval.input)}</code>
      <div class="row">
        <label class="grow">
          Reason (optional)
          <input type="text" value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="approval-reason" />
        </label>
        <button type="button" class="primary" disabled={busy} onClick={() => decide(true)} data-testid="approve">
          Approve
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => decide(false)} data-testid="deny">
          Deny
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** The tool calls the run waits on: each approved or denied (with a reason the model reads). */
export function Approvals({ run, onDone }: { run: AdminExecution; onDone: () => void }) {
  if (run.pending_approvals.length === 0) return null;
  return (
    <section class="card approvals" aria-labelledby="approvals-title" data-testid="approvals">
      <h3 id="approvals-title">Tool calls waiting for a decision</h3>
      <ul>
        {run.pending_approvals.map((a) => (
          <Approval key={a.approval_id} runId={run.id} approval={a} onDone={onDone} />
        ))}
      </ul>
    </section>
  );
}
