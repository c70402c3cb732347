import { useState } from 'preact/hooks';
import { Problem } from '../components/empty.js';
import { PagedEnd } from '../components/paged-end.js';
import { UserFilter } from '../components/user-filter.js';
import { count, shortId, stamp } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../route.js';
import { useClient } from '../use-load.js';
import { usePaged } from '../work/use-paged.js';

const PAGE = 50;

/**
 * `#/conversations`: the tenant's conversations, most recently active first. `conversation.updated`
 * names no owner, so the feed only says "read the first page again" (throttled).
 */
export function ConversationsView() {
  const client = useClient();
  const [user, setUser] = useState('');
  const list = usePaged((cursor) => client.admin.conversations({ userId: user || undefined, cursor, limit: PAGE }), user);
  useLive('work', (e) => e.kind === 'conversation' && list.refresh());
  useLive('connect', list.refresh);

  return (
    <section class="card" aria-labelledby="conversations-title">
      <h2 id="conversations-title">Conversations</h2>
      <div class="filters">
        <UserFilter testId="conversations-filter-user" onApply={setUser} />
      </div>
      <Problem error={list.error} />
      {list.rows.length > 0 && (
        <div class="table-wrap">
          <table data-testid="conversations">
            <thead>
              <tr>
                <th>Title</th>
                <th>User</th>
                <th>Agent type</th>
                <th class="num">Turns</th>
                <th class="num">Tokens</th>
                <th>Last activity</th>
                <th>Active turn</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((c) => (
                <tr key={c.id} data-testid={`conversation-${c.id}`}>
                  <td>
                    <a href={href.conversation(c.id)} title={c.id}>
                      {c.title ?? shortId(c.id)}
                    </a>
                  </td>
                  <td>{c.user_id}</td>
                  <td>{c.agent_type}</td>
                  <td class="num">{count(c.turn_count)}</td>
                  <td class="num">{count(c.total_tokens)}</td>
                  <td class="nowrap">{stamp(c.last_activity_at)}</td>
                  <td data-testid={`conversation-active-${c.id}`}>
                    {c.active_execution_id ? (
                      <a href={href.run(c.active_execution_id)} class="mono" title={c.active_execution_id}>
                        {shortId(c.active_execution_id)}
                      </a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagedEnd list={list} empty="No conversations." />
    </section>
  );
}
