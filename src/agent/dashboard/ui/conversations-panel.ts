import type { AdminConversation, AgentsClient } from '../../../../client/index.js';
import { h, throttle } from './dom.js';
import { count, describeError, shortId, time } from './format.js';

const PAGE = 50;

/**
 * The tenant's conversations, most recently active first. `conversation.updated` carries no
 * owner, so the feed only says "read the list again" (at most once a second), never on a timer.
 */
export class ConversationsPanel {
  readonly reloadSoon = throttle(() => void this.reload(), 1000);
  private readonly body = h('tbody');
  private readonly user = h('input', { placeholder: 'user id', 'aria-label': 'User', 'data-testid': 'conversations-filter-user' });
  private readonly message = h('p', { class: 'muted' });
  /** Bumped by every reload: an older answer arriving late is dropped. */
  private generation = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: AgentsClient,
  ) {
    this.user.addEventListener(
      'input',
      throttle(() => void this.reload(), 300),
    );
    root.replaceChildren(
      h('h2', {}, 'Conversations'),
      h('div', { class: 'filters' }, this.user),
      h(
        'table',
        { 'data-testid': 'conversations' },
        h(
          'thead',
          {},
          h('tr', {}, ...['title', 'user', 'agent', 'turns', 'tokens', 'last activity', 'active turn'].map((c) => h('th', {}, c))),
        ),
        this.body,
      ),
      this.message,
    );
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    try {
      const page = await this.client.admin.conversations({ userId: this.user.value.trim() || undefined, limit: PAGE });
      if (generation !== this.generation) return;
      this.body.replaceChildren(...page.data.map(row));
      this.message.textContent = page.data.length === 0 ? 'No conversations.' : page.next_cursor ? `The ${PAGE} most recently active.` : '';
    } catch (error) {
      this.message.textContent = `Could not load conversations: ${describeError(error)}`;
    }
  }
}

function row(c: AdminConversation): HTMLTableRowElement {
  const active = c.active_execution_id;
  return h(
    'tr',
    { 'data-testid': `conversation-${c.id}` },
    h('td', { title: c.id }, c.title ?? h('span', { class: 'muted' }, shortId(c.id))),
    h('td', {}, c.user_id),
    h('td', {}, c.agent_type),
    h('td', { class: 'num' }, count(c.turn_count)),
    h('td', { class: 'num' }, count(c.total_tokens)),
    h('td', {}, time(c.last_activity_at)),
    h(
      'td',
      { 'data-testid': `conversation-active-${c.id}` },
      active ? h('a', { href: `#/executions/${active}`, title: active }, shortId(active)) : h('span', { class: 'muted' }, '—'),
    ),
  );
}
