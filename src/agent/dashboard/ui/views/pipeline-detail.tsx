import type { JsonValue } from '../../../../../client/index.js';
import { Loading, Problem } from '../components/empty.js';
import { JsonView } from '../components/json-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, dateTime, shortId, usd } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../route.js';
import { useClient, useLoad, useThrottled } from '../use-load.js';
import { StageGraph } from '../work/stage-graph.js';
import '../run/run.css';

/** `#/pipelines/<id>`: the stages as a graph with each member's status and output, its runs; live. */
export function PipelineDetailView({ id }: { id: string }) {
  const client = useClient();
  const detail = useLoad(() => client.admin.pipeline(id), [id]);
  const follow = useThrottled(detail.reload, 800);
  const members = new Set((detail.data?.executions ?? []).map((e) => e.id));
  useLive('work', (e) => e.kind === 'pipeline' && e.view.id === id && follow());
  useLive('status', (e) => members.has(e.execution_id) && follow());
  useLive('connect', follow);

  const p = detail.data;
  if (!p)
    return (
      <section class="card">
        <h2>Pipeline</h2>
        {detail.error ? <Problem error={detail.error} /> : <Loading />}
        <a href={href.pipelines()}>All pipelines</a>
      </section>
    );
  // The stage each run is (a retried stage has had more than one).
  const stageOf = new Map(p.stages.flatMap((slot) => ('parallel' in slot ? slot.parallel : [slot])).map((m) => [m.execution_id, m.name]));
  const error = p.error as { message?: string; code?: string; stage?: string } | null;
  return (
    <>
      <section class="card" aria-labelledby="pipeline-title">
        <div class="run-head">
          <h2 id="pipeline-title">
            Pipeline <code data-testid="pipeline-id">{p.id}</code>
          </h2>
          <StatusBadge status={p.status} testId="pipeline-status" />
        </div>
        <Problem error={detail.error} />
        <dl class="facts">
          <dt>User</dt>
          <dd>{p.user_id}</dd>
          <dt>Stage</dt>
          <dd>
            {Math.min(p.current_stage + 1, p.stages.length)} of {p.stages.length}
          </dd>
          <dt>Created</dt>
          <dd>{dateTime(p.created_at)}</dd>
          <dt>Completed</dt>
          <dd>{dateTime(p.completed_at)}</dd>
          {Object.keys(p.metadata ?? {}).length > 0 && (
            <>
              <dt>Metadata</dt>
              <dd>
                <code>{JSON.stringify(p.metadata)}</code>
              </dd>
            </>
          )}
        </dl>
        {error && (
          <p class="error" data-testid="pipeline-error">
            {error.code && <strong>{error.code}: </strong>}
            {error.message ?? JSON.stringify(error)}
            {error.stage && ` (stage ${error.stage})`}
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="stages-title">
        <h3 id="stages-title">Stages</h3>
        <div class="graph-wrap">
          <StageGraph
            stages={p.stages}
            outputs={p.stage_outputs as Record<string, JsonValue>}
            currentStage={p.current_stage}
            running={p.status === 'running'}
          />
        </div>
      </section>
      {p.output !== null && (
        <section class="card" aria-labelledby="pipeline-output-title">
          <h3 id="pipeline-output-title">Output</h3>
          <JsonView value={p.output} label="Pipeline output" testId="pipeline-output" />
        </section>
      )}
      <section class="card" aria-labelledby="members-title">
        <h3 id="members-title">Runs</h3>
        {p.executions.length === 0 ? (
          <p class="muted">No run started yet.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="pipeline-runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Stage</th>
                  <th>Agent type</th>
                  <th>Status</th>
                  <th class="num">Steps</th>
                  <th class="num">Tokens</th>
                  <th class="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {p.executions.map((e) => (
                  <tr>
                    <td>
                      <a href={href.run(e.id)} class="mono" title={e.id}>
                        {shortId(e.id)}
                      </a>
                    </td>
                    <td>{stageOf.get(e.id) ?? '—'}</td>
                    <td>{e.agent_type}</td>
                    <td>
                      <StatusBadge status={e.status} />
                    </td>
                    <td class="num">{count(e.step_count)}</td>
                    <td class="num">{count(e.token_usage)}</td>
                    <td class="num">{usd(e.cost_usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
