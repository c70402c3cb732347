import type { AgentsClient, QueueStats } from '../../../../client/index.js';
import { h, throttle } from './dom.js';
import { count, describeError, time } from './format.js';

/**
 * Queue depths (shared by every tenant) beside the tenant's running executions. Read again when
 * the feed says something changed (at most every 2 s), never on a timer.
 */
export class QueuesPanel {
  readonly refreshSoon = throttle(() => void this.refresh(), 2000);
  private readonly body = h('tbody');
  private readonly stamp = h('span', { class: 'muted' });

  constructor(
    private readonly root: HTMLElement,
    private readonly client: AgentsClient,
  ) {
    const refresh = h('button', { type: 'button' }, 'Refresh');
    refresh.addEventListener('click', () => void this.refresh());
    root.replaceChildren(
      h('h2', {}, 'Queues ', this.stamp),
      h(
        'table',
        { 'data-testid': 'queues' },
        h('thead', {}, h('tr', {}, ...['queue', 'waiting', 'active', 'delayed', 'failed', 'running (tenant)'].map((c) => h('th', {}, c)))),
        this.body,
      ),
      refresh,
    );
  }

  async refresh(): Promise<void> {
    try {
      const { data } = await this.client.admin.queues();
      this.body.replaceChildren(...data.map(row));
      this.stamp.textContent = `as of ${time(new Date().toISOString())}`;
    } catch (error) {
      this.stamp.textContent = describeError(error);
    }
  }
}

const row = (q: QueueStats): HTMLTableRowElement =>
  h(
    'tr',
    { 'data-queue': q.queue },
    h('td', {}, q.queue),
    ...[q.waiting, q.active, q.delayed, q.failed, q.running].map((n) => h('td', { class: 'num' }, count(n))),
  );
