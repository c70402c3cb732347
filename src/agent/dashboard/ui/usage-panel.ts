import type { AgentsClient } from '../../../../client/index.js';
import { h, throttle } from './dom.js';
import { count, describeError, usd } from './format.js';

/** The tenant's cost by model this month (`GET /api/usage` as an admin), read again when executions end. */
export class UsagePanel {
  readonly refreshSoon = throttle(() => void this.refresh(), 5000);
  private readonly body = h('tbody');
  private readonly foot = h('tfoot');
  private readonly message = h('p', { class: 'muted' });

  constructor(
    private readonly root: HTMLElement,
    private readonly client: AgentsClient,
  ) {
    root.replaceChildren(
      h('h2', {}, 'Cost by model, this month'),
      h(
        'table',
        { 'data-testid': 'usage' },
        h('thead', {}, h('tr', {}, ...['model', 'requests', 'input tokens', 'output tokens', 'cost'].map((c) => h('th', {}, c)))),
        this.body,
        this.foot,
      ),
      this.message,
    );
  }

  async refresh(): Promise<void> {
    try {
      const usage = await this.client.admin.usage();
      const line = (name: string, u: { requests: number; input_tokens: number; output_tokens: number; cost_usd: number }) =>
        h(
          'tr',
          {},
          h('td', {}, name),
          h('td', { class: 'num' }, count(u.requests)),
          h('td', { class: 'num' }, count(u.input_tokens)),
          h('td', { class: 'num' }, count(u.output_tokens)),
          h('td', { class: 'num' }, usd(u.cost_usd)),
        );
      this.body.replaceChildren(...usage.by_model.map((m) => line(m.model, m)));
      this.foot.replaceChildren(line('total', usage.totals));
      this.message.textContent = usage.by_model.length === 0 ? 'No model calls this month.' : '';
    } catch (error) {
      this.message.textContent = `Usage is not available: ${describeError(error)}`;
    }
  }
}
