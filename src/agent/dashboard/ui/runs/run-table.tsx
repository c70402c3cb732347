import { isTerminalStatus, type AdminExecution } from '../../../../../client/index.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, duration, shortId, stamp, truncate, usd } from '../format.js';
import { href } from '../route.js';
import { runDuration } from './run-duration.js';

export const canRetry = (e: Pick<AdminExecution, 'status'>): boolean => e.status === 'failed' || e.status === 'cancelled';

interface Props {
  rows: AdminExecution[];
  selected: Set<string>;
  onSelect: (ids: string[], on: boolean) => void;
  onRetry: (id: string) => void;
  /** Ids being retried: their button waits. */
  retrying: Set<string>;
}

/** The runs, one row each; a row can be selected (for a bulk cancel) while it has not finished. */
export function RunTable({ rows, selected, onSelect, onRetry, retrying }: Props) {
  const open = rows.filter((r) => !isTerminalStatus(r.status));
  const allSelected = open.length > 0 && open.every((r) => selected.has(r.id));
  const now = Date.now();
  return (
    <div class="table-wrap">
      <table data-testid="runs" class="runs">
        <thead>
          <tr>
            <th class="check-cell">
              <input
                type="checkbox"
                aria-label="Select every unfinished run shown"
                checked={allSelected}
                disabled={open.length === 0}
                onChange={(e) =>
                  onSelect(
                    open.map((r) => r.id),
                    e.currentTarget.checked,
                  )
                }
                data-testid="select-all"
              />
            </th>
            <th>Run</th>
            <th>Agent type</th>
            <th>User</th>
            <th>Status</th>
            <th class="num">Steps</th>
            <th class="num">Tokens</th>
            <th class="num">Cost</th>
            <th>Created</th>
            <th class="num">Duration</th>
            <th>Error</th>
            <th>
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const error = r.error ? `${r.error.code}: ${r.error.message}` : '';
            return (
              <tr key={r.id} data-testid={`row-${r.id}`} class={selected.has(r.id) ? 'selected' : undefined}>
                <td class="check-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select run ${r.id}`}
                    checked={selected.has(r.id)}
                    disabled={isTerminalStatus(r.status)}
                    onChange={(e) => onSelect([r.id], e.currentTarget.checked)}
                    data-testid={`select-${r.id}`}
                  />
                </td>
                <td>
                  <a href={href.run(r.id)} title={r.id} class="mono" aria-label={`Run ${r.id}`} data-testid={`open-${r.id}`}>
                    {shortId(r.id)}
                  </a>
                </td>
                <td>{r.agent_type}</td>
                <td>{r.user_id}</td>
                <td>
                  <StatusBadge status={r.status} testId={`row-status-${r.id}`} />
                </td>
                <td class="num" data-testid={`row-steps-${r.id}`}>
                  {count(r.step_count)}
                </td>
                <td class="num">{count(r.token_usage)}</td>
                <td class="num">{usd(r.cost_usd)}</td>
                <td class="nowrap">{stamp(r.created_at)}</td>
                <td class="num nowrap">{duration(runDuration(r, now))}</td>
                <td class="run-error" title={error || undefined} data-testid={`row-error-${r.id}`}>
                  {error ? truncate(error, 60) : ''}
                </td>
                <td>
                  {canRetry(r) && (
                    <button
                      type="button"
                      onClick={() => onRetry(r.id)}
                      disabled={retrying.has(r.id)}
                      aria-label={`Retry run ${r.id}`}
                      data-testid={`retry-${r.id}`}
                    >
                      Retry
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
