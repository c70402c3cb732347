import { useEffect } from 'preact/hooks';
import { isTerminalStatus, type ExecutionStatus } from '../../../../../client/index.js';
import { Loading, Problem } from '../components/empty.js';
import { JsonView } from '../components/json-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { href } from '../route.js';
import { Approvals } from '../run/approvals.js';
import { ChildRuns } from '../run/children.js';
import { HookDeliveries } from '../run/hook-deliveries.js';
import { RunControls } from '../run/run-controls.js';
import { RunFacts } from '../run/run-facts.js';
import { RunLogs } from '../run/run-logs.js';
import { Transcript } from '../run/transcript.js';
import { useRun } from '../run/use-run.js';
import { Waterfall } from '../run/waterfall.js';
import { useClient, useLoad, useThrottled } from '../use-load.js';
import '../run/run.css';

function Timeline({ runId, progress, status }: { runId: string; progress: number; status: ExecutionStatus }) {
  const client = useClient();
  const timeline = useLoad(() => client.admin.timeline(runId), [runId]);
  const follow = useThrottled(timeline.reload, 1000);
  useEffect(() => void (progress > 0 && follow()), [progress]);
  return (
    <section class="card" aria-labelledby="timeline-title">
      <h3 id="timeline-title">Timeline</h3>
      <Problem error={timeline.error} />
      {timeline.data ? <Waterfall timeline={timeline.data} status={status} /> : !timeline.error && <Loading />}
    </section>
  );
}

function Run({ id }: { id: string }) {
  const feed = useRun(id);
  const run = feed.run;
  if (!run)
    return (
      <section class="card">
        <h2>
          Run <code>{id}</code>
        </h2>
        {feed.error ? <Problem error={feed.error} /> : <Loading />}
        <a href={href.runs()}>All runs</a>
      </section>
    );
  const running = !isTerminalStatus(run.status);
  return (
    <>
      <section class="card" aria-labelledby="run-title">
        <div class="run-head">
          <h2 id="run-title">
            Run <code data-testid="view-id">{run.id}</code>
          </h2>
          <StatusBadge status={run.status} testId="view-status" />
        </div>
        <RunControls run={run} onDone={feed.reload} />
        {feed.liveError && (
          <p class="muted" data-testid="live-error">
            Live updates: {feed.liveError}
          </p>
        )}
        <Problem error={feed.error} />
        <RunFacts run={run} />
      </section>
      <Approvals run={run} onDone={feed.reload} />
      <div class="grid">
        <section class="card" aria-labelledby="input-title">
          <h3 id="input-title">Input</h3>
          <JsonView value={run.input} label="Input" testId="view-input" />
        </section>
        <section class="card" aria-labelledby="result-title">
          <h3 id="result-title">{run.error ? 'Error' : 'Output'}</h3>
          {run.error ? (
            <p class="error" data-testid="view-error">
              <strong>{run.error.code}</strong>: {run.error.message}
            </p>
          ) : run.output === null ? (
            <p class="muted">{running ? 'Not finished yet.' : 'No output.'}</p>
          ) : typeof run.output === 'string' ? (
            <div class="output-text" data-testid="result">
              {run.output}
            </div>
          ) : (
            <JsonView value={run.output} label="Output" testId="result" />
          )}
        </section>
      </div>
      <Timeline runId={run.id} progress={feed.progress} status={run.status} />
      <ChildRuns runId={run.id} />
      <HookDeliveries runId={run.id} progress={feed.progress} />
      <div class="grid">
        <section class="card" aria-labelledby="transcript-title">
          <h3 id="transcript-title">Transcript</h3>
          <Transcript runId={run.id} progress={feed.progress} streaming={feed.streaming} />
        </section>
        <section class="card" aria-labelledby="logs-title">
          <h3 id="logs-title">Logs</h3>
          <RunLogs logs={feed.logs} />
        </section>
      </div>
    </>
  );
}

/** `#/runs/<id>`: one run, live. Keyed by id: another run starts afresh. */
export function RunDetailView({ id }: { id: string }) {
  return <Run key={id} id={id} />;
}
