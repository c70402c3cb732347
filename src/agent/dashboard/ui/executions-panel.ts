import type { AdminExecution, AgentsClient, ExecutionStatus, StatusEvent, StepEvent } from '../../../../client/index.js';
import { h, throttle } from './dom.js';
import { count, describeError, shortId, time } from './format.js';

const STATUSES: ExecutionStatus[] = [
  'scheduled',
  'pending',
  'running',
  'paused',
  'awaiting_input',
  'awaiting_event',
  'completed',
  'failed',
  'cancelled',
];
const PAGE = 50;
const DEFAULT_INPUT = '{ "steps": 5, "step_ms": 500 }';

interface Row {
  execution: AdminExecution;
  element: HTMLTableRowElement;
}

/**
 * The tenant's executions with filters (status, agent type, user), kept live by the event feed:
 * known rows change in place, an execution the table does not show yet reloads the first page.
 */
export class ExecutionsPanel {
  private readonly rows = new Map<string, Row>();
  private readonly body = h('tbody');
  private readonly status = h(
    'select',
    { 'aria-label': 'Status', 'data-testid': 'filter-status' },
    h('option', { value: '' }, 'any status'),
    ...STATUSES.map((s) => h('option', { value: s }, s)),
  );
  private readonly agentType = h('input', { placeholder: 'agent type', 'aria-label': 'Agent type', 'data-testid': 'filter-agent-type' });
  private readonly user = h('input', { placeholder: 'user id', 'aria-label': 'User', 'data-testid': 'filter-user' });
  private readonly more = h('button', { type: 'button', hidden: true }, 'Load more');
  private readonly message = h('p', { class: 'error', role: 'alert' });
  private nextCursor: string | null = null;
  private selected: string | null = null;
  /** Bumped by every reload: an older answer arriving late is dropped. */
  private generation = 0;
  readonly reloadSoon = throttle(() => void this.reload(), 1000);

  constructor(
    private readonly root: HTMLElement,
    private readonly client: AgentsClient,
    private readonly open: (id: string) => void,
  ) {
    this.render();
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    try {
      const page = await this.client.admin.list({ ...this.filters(), limit: PAGE });
      if (generation !== this.generation) return;
      this.rows.clear();
      this.body.replaceChildren();
      this.append(page.data, page.next_cursor);
      this.message.textContent = '';
    } catch (error) {
      this.message.textContent = `Could not load executions: ${describeError(error)}`;
    }
  }

  /** A status change from the feed. */
  onStatus(event: StatusEvent): void {
    const row = this.rows.get(event.execution_id);
    if (!row) return this.reloadSoon();
    this.update(row, { status: event.status, step_count: event.step_count, token_usage: event.token_usage });
  }

  onStep(event: StepEvent): void {
    const row = this.rows.get(event.execution_id);
    if (!row) return this.reloadSoon();
    this.update(row, {
      step_count: Math.max(row.execution.step_count, event.step_number),
      token_usage: row.execution.token_usage + event.tokens_used,
    });
  }

  /** The execution the view shows, highlighted. */
  select(id: string | null): void {
    this.rows.get(this.selected ?? '')?.element.classList.remove('selected');
    this.selected = id;
    this.rows.get(id ?? '')?.element.classList.add('selected');
  }

  private filters(): { status?: ExecutionStatus; agentType?: string; userId?: string } {
    const value = (input: HTMLInputElement | HTMLSelectElement): string | undefined => input.value.trim() || undefined;
    return { status: value(this.status) as ExecutionStatus | undefined, agentType: value(this.agentType), userId: value(this.user) };
  }

  private append(executions: AdminExecution[], nextCursor: string | null): void {
    for (const execution of executions) {
      if (this.rows.has(execution.id)) continue;
      const row: Row = { execution, element: h('tr') };
      this.rows.set(execution.id, row);
      this.draw(row);
      this.body.append(row.element);
    }
    this.nextCursor = nextCursor;
    this.more.hidden = nextCursor === null;
  }

  private update(row: Row, change: Partial<AdminExecution>): void {
    row.execution = { ...row.execution, ...change };
    this.draw(row);
  }

  private draw({ execution: e, element }: Row): void {
    const link = h('a', { href: `#/executions/${e.id}`, title: e.id }, shortId(e.id));
    element.dataset.testid = `row-${e.id}`;
    element.classList.toggle('selected', e.id === this.selected);
    element.replaceChildren(
      h('td', {}, link),
      h('td', {}, e.agent_type),
      h('td', {}, e.user_id),
      h('td', {}, h('span', { class: `status status-${e.status}`, 'data-testid': `row-status-${e.id}` }, e.status)),
      h('td', { class: 'num' }, count(e.step_count)),
      h('td', { class: 'num' }, count(e.token_usage)),
      h('td', {}, time(e.created_at)),
    );
  }

  private render(): void {
    const reload = throttle(() => void this.reload(), 300);
    this.status.addEventListener('change', reload);
    this.agentType.addEventListener('input', reload);
    this.user.addEventListener('input', reload);
    this.more.addEventListener('click', () => void this.loadMore());
    this.root.replaceChildren(
      h('h2', {}, 'Executions'),
      this.startForm(),
      h('div', { class: 'filters' }, this.status, this.agentType, this.user),
      this.message,
      h(
        'table',
        { 'data-testid': 'executions' },
        h('thead', {}, h('tr', {}, ...['id', 'agent', 'user', 'status', 'steps', 'tokens', 'created'].map((c) => h('th', {}, c)))),
        this.body,
      ),
      this.more,
    );
  }

  private async loadMore(): Promise<void> {
    if (!this.nextCursor) return;
    const generation = this.generation;
    try {
      const page = await this.client.admin.list({ ...this.filters(), cursor: this.nextCursor, limit: PAGE });
      if (generation === this.generation) this.append(page.data, page.next_cursor);
    } catch (error) {
      this.message.textContent = `Could not load more: ${describeError(error)}`;
    }
  }

  /** Starts an execution as the signed-in admin (through the user route, like any caller). */
  private startForm(): HTMLFormElement {
    const agentType = h('input', {
      name: 'agent_type',
      value: 'steps',
      required: true,
      'aria-label': 'Agent type to start',
      'data-testid': 'start-agent-type',
    });
    const input = h(
      'textarea',
      { name: 'input', rows: '2', spellcheck: 'false', 'aria-label': 'Input (JSON)', 'data-testid': 'start-input' },
      DEFAULT_INPUT,
    );
    const error = h('span', { class: 'error', role: 'alert', 'data-testid': 'start-error' });
    const form = h(
      'form',
      { class: 'start', 'data-testid': 'start-form' },
      agentType,
      input,
      h('button', { type: 'submit' }, 'Start'),
      error,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.value || 'null');
      } catch {
        error.textContent = 'The input must be JSON';
        return;
      }
      this.client.start(agentType.value.trim(), parsed).then(
        (execution) => {
          this.reloadSoon();
          this.open(execution.id);
        },
        (e: unknown) => (error.textContent = describeError(e)),
      );
    });
    return form;
  }
}
