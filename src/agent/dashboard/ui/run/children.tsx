import { StatusBadge } from '../components/status-badge.js';
import { count, shortId } from '../format.js';
import { href } from '../route.js';
import { useRunList } from '../runs/use-run-list.js';

/** The runs this run started (subagents), live; nothing when it started none. */
export function ChildRuns({ runId }: { runId: string }) {
  const list = useRunList({ parentExecutionId: runId });
  const children = list.rows.filter((r) => r.parent_execution_id === runId);
  if (children.length === 0) return null;
  return (
    <section class="card" aria-labelledby="children-title">
      <h3 id="children-title">Subagent runs</h3>
      <ul class="plain" data-testid="children">
        {children.map((c) => (
          <li>
            <a href={href.run(c.id)} class="mono" title={c.id}>
              {shortId(c.id)}
            </a>{' '}
            {c.agent_type} <StatusBadge status={c.status} /> <span class="muted">{count(c.step_count)} steps</span>
          </li>
        ))}
      </ul>
      {list.more && (
        <a href={href.runs({ parent_execution_id: runId })} data-testid="children-all">
          All subagent runs
        </a>
      )}
    </section>
  );
}
