import type { ComponentChildren } from 'preact';
import type { AdminExecution } from '../../../../../client/index.js';
import { count, dateTime, duration, shortId, usd } from '../format.js';
import { href } from '../route.js';
import { runDuration } from '../runs/run-duration.js';
import { useClient, useLoad } from '../use-load.js';

const RunLink = ({ id, testId }: { id: string; testId?: string }) => (
  <a href={href.run(id)} class="mono" title={id} data-testid={testId}>
    {shortId(id)}
  </a>
);

/** Only a failed or cancelled run can have been retried. */
const RETRYABLE = new Set(['failed', 'cancelled']);

/** The run's facts: who, what, when, how much, where it comes from, and its retries. */
export function RunFacts({ run }: { run: AdminExecution }) {
  const client = useClient();
  const retries = useLoad(
    () => (RETRYABLE.has(run.status) ? client.admin.list({ retriedFromExecutionId: run.id, limit: 20 }) : Promise.resolve(null)),
    [run.id, run.status],
  );
  const facts: [string, ComponentChildren, string?][] = [
    ['Agent type', `${run.agent_type} (version ${run.agent_version})`, 'view-agent'],
    ['User', run.user_id, 'view-user'],
    ['Queue', run.queue],
    ['Steps', count(run.step_count), 'view-steps'],
    ['Tokens', count(run.token_usage), 'view-tokens'],
    ['Cost', usd(run.cost_usd), 'view-cost'],
    ['Created', dateTime(run.created_at)],
    ['Started', dateTime(run.started_at)],
    ['Completed', dateTime(run.completed_at)],
    ['Duration', duration(runDuration(run)), 'view-duration'],
  ];
  if (run.scheduled_for) facts.push(['Scheduled for', dateTime(run.scheduled_for)]);
  if (run.paused_at) facts.push(['Paused at', dateTime(run.paused_at)]);
  if (run.parent_execution_id) facts.push(['Parent run', <RunLink id={run.parent_execution_id} testId="view-parent" />]);
  if (run.retried_from_execution_id)
    facts.push([
      'Retry of',
      <span data-testid="view-retried-from">
        retry of <RunLink id={run.retried_from_execution_id} />
      </span>,
    ]);
  const retriedAs = retries.data?.data ?? [];
  if (retriedAs.length > 0)
    facts.push([
      'Retried as',
      <span data-testid="view-retried-as">{retriedAs.map((retry, i) => [i > 0 && ', ', <RunLink id={retry.id} />])}</span>,
    ]);
  if (run.forked_from_execution_id)
    facts.push([
      'Forked from',
      <span data-testid="view-forked-from">
        <RunLink id={run.forked_from_execution_id} /> at step {run.forked_from_step}
      </span>,
    ]);
  if (run.conversation_id)
    facts.push([
      'Conversation',
      <a href={href.conversation(run.conversation_id)} class="mono" title={run.conversation_id} data-testid="view-conversation">
        {shortId(run.conversation_id)}
      </a>,
    ]);
  if (run.pipeline_id)
    facts.push([
      'Pipeline',
      <a href={href.pipeline(run.pipeline_id)} class="mono" title={run.pipeline_id} data-testid="view-pipeline">
        {shortId(run.pipeline_id)}
      </a>,
    ]);
  if (Object.keys(run.metadata ?? {}).length > 0) facts.push(['Metadata', <code>{JSON.stringify(run.metadata)}</code>]);
  return <dl class="facts">{facts.map(([term, value, testId]) => [<dt>{term}</dt>, <dd data-testid={testId}>{value}</dd>])}</dl>;
}
