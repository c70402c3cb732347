import { useState } from 'preact/hooks';
import type { PipelineStage, PipelineStatus } from '../../../../../client/index.js';
import { Problem } from '../components/empty.js';
import { PagedEnd } from '../components/paged-end.js';
import { StatusBadge } from '../components/status-badge.js';
import { UserFilter } from '../components/user-filter.js';
import { shortId, stamp, truncate } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../route.js';
import { useClient } from '../use-load.js';
import { usePaged } from '../work/use-paged.js';
import '../work/work.css';

const STATUSES: PipelineStatus[] = ['running', 'completed', 'failed', 'cancelled'];
const PAGE = 50;

/** A stage's name and status: "gather completed" to a screen reader, a name and a badge to the eye. */
const Member = ({ m }: { m: PipelineStage }) => (
  <span class="stage-chip">
    {m.name} <StatusBadge status={m.status} />
  </span>
);

/**
 * `#/pipelines`: the tenant's pipelines, newest first, each stage's status at a glance.
 * `pipeline.updated` names no owner, so the feed only says "read the first page again" (throttled).
 */
export function PipelinesView() {
  const client = useClient();
  const [status, setStatus] = useState<PipelineStatus | ''>('');
  const [user, setUser] = useState('');
  const list = usePaged(
    (cursor) => client.admin.pipelines({ status: status || undefined, userId: user || undefined, cursor, limit: PAGE }),
    `${status}|${user}`,
  );
  useLive('work', (e) => e.kind === 'pipeline' && list.refresh());
  useLive('connect', list.refresh);

  return (
    <section class="card" aria-labelledby="pipelines-title">
      <h2 id="pipelines-title">Pipelines</h2>
      <div class="filters">
        <label>
          Status
          <select
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value as PipelineStatus | '')}
            data-testid="pipelines-filter-status"
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <UserFilter testId="pipelines-filter-user" onApply={setUser} />
      </div>
      <Problem error={list.error} />
      {list.rows.length > 0 && (
        <div class="table-wrap">
          <table data-testid="pipelines">
            <thead>
              <tr>
                <th>Pipeline</th>
                <th>Status</th>
                <th>User</th>
                <th>Stages</th>
                <th>Created</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((p) => (
                <tr key={p.id} data-testid={`pipeline-${p.id}`}>
                  <td>
                    <a href={href.pipeline(p.id)} class="mono" title={p.id} aria-label={`Pipeline ${p.id}`}>
                      {shortId(p.id)}
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={p.status} testId={`pipeline-status-${p.id}`} />
                  </td>
                  <td>{p.user_id}</td>
                  <td>
                    <ol class="stage-chips stages">
                      {p.stages.map((slot) => (
                        <li>
                          {'parallel' in slot ? slot.parallel.map((m, i) => [i > 0 && ' ‖ ', <Member m={m} />]) : <Member m={slot} />}
                        </li>
                      ))}
                    </ol>
                  </td>
                  <td class="nowrap">{stamp(p.created_at)}</td>
                  <td class="run-error" title={typeof p.error?.message === 'string' ? p.error.message : undefined}>
                    {typeof p.error?.message === 'string' ? truncate(p.error.message, 60) : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagedEnd list={list} empty="No pipelines." />
    </section>
  );
}
