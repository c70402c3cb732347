import type { AdminExecution, ConversationMessage } from '../../../../../client/index.js';
import { Loading, Problem } from '../components/empty.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, dateTime, shortId, time, usd } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../route.js';
import { useClient, useLoad, useThrottled } from '../use-load.js';
import { MessageContent } from '../work/message-parts.js';
import '../run/run.css';
import '../work/work.css';

interface Turn {
  executionId: string;
  run: AdminExecution | undefined;
  messages: ConversationMessage[];
}

/** The messages by the turn (execution) that added them, in the order of the turns. */
function byTurn(turns: AdminExecution[], messages: ConversationMessage[]): Turn[] {
  const groups = new Map<string, Turn>();
  for (const run of turns) groups.set(run.id, { executionId: run.id, run, messages: [] });
  for (const m of messages) {
    let group = groups.get(m.execution_id);
    if (!group) groups.set(m.execution_id, (group = { executionId: m.execution_id, run: undefined, messages: [] }));
    group.messages.push(m);
  }
  // NOTE: ids are UUIDv7: their order is the order the turns started in.
  return [...groups.values()].sort((a, b) => (a.executionId < b.executionId ? -1 : 1));
}

/** `#/conversations/<id>`: the history by turn, each turn linked to its run with its status; live. */
export function ConversationDetailView({ id }: { id: string }) {
  const client = useClient();
  const detail = useLoad(() => client.admin.conversation(id), [id]);
  const follow = useThrottled(detail.reload, 1000);
  const turnIds = new Set([...(detail.data?.turns ?? []).map((t) => t.id), detail.data?.active_execution_id]);
  useLive('work', (e) => e.kind === 'conversation' && e.view.id === id && follow());
  useLive('status', (e) => turnIds.has(e.execution_id) && follow());
  useLive('connect', follow);

  const c = detail.data;
  if (!c)
    return (
      <section class="card">
        <h2>Conversation</h2>
        {detail.error ? <Problem error={detail.error} /> : <Loading />}
        <a href={href.conversations()}>All conversations</a>
      </section>
    );
  const turns = byTurn(c.turns, c.messages);
  return (
    <>
      <section class="card" aria-labelledby="conversation-title">
        <h2 id="conversation-title" data-testid="conversation-title">
          {c.title ?? `Conversation ${shortId(c.id)}`}
        </h2>
        <Problem error={detail.error} />
        <dl class="facts">
          <dt>Id</dt>
          <dd class="mono">{c.id}</dd>
          <dt>User</dt>
          <dd>{c.user_id}</dd>
          <dt>Agent type</dt>
          <dd>{c.agent_type}</dd>
          <dt>Turns</dt>
          <dd data-testid="conversation-turns">{count(c.turn_count)}</dd>
          <dt>Tokens</dt>
          <dd>{count(c.total_tokens)}</dd>
          <dt>Created</dt>
          <dd>{dateTime(c.created_at)}</dd>
          <dt>Last activity</dt>
          <dd>{dateTime(c.last_activity_at)}</dd>
          <dt>Active turn</dt>
          <dd>
            {c.active_execution_id ? (
              <a href={href.run(c.active_execution_id)} class="mono" data-testid="conversation-active">
                {shortId(c.active_execution_id)}
              </a>
            ) : (
              '—'
            )}
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="turns-title">
        <h3 id="turns-title">History</h3>
        {turns.length === 0 && <p class="muted">No turn yet.</p>}
        <ol class="turns" data-testid="turns">
          {turns.map((turn, index) => (
            <li class="turn" data-testid={`turn-${turn.executionId}`}>
              <div class="turn-head">
                <strong>Turn {index + 1}</strong>{' '}
                <a href={href.run(turn.executionId)} class="mono" title={turn.executionId} data-testid="turn-run">
                  {shortId(turn.executionId)}
                </a>{' '}
                {turn.run && (
                  <>
                    <StatusBadge status={turn.run.status} testId="turn-status" />{' '}
                    <span class="muted">
                      {count(turn.run.token_usage)} tokens · {usd(turn.run.cost_usd)} · {time(turn.run.created_at)}
                    </span>
                  </>
                )}
              </div>
              {turn.messages.length === 0 && <p class="muted">No message yet.</p>}
              <ol class="plain">
                {turn.messages.map((m) => (
                  <li class={`msg msg-${m.role}`} data-testid="conversation-message" data-role={m.role}>
                    <div class="msg-head">
                      <strong>{m.role}</strong> <span class="muted">{time(m.created_at)}</span>
                    </div>
                    <MessageContent content={m.content} />
                  </li>
                ))}
              </ol>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
