import type { AdminPipeline, AgentsClient, PipelineStage, PipelineStatus } from '../../../../client/index.js';
import { h, throttle } from './dom.js';
import { describeError, shortId, time } from './format.js';

const STATUSES: PipelineStatus[] = ['running', 'completed', 'failed', 'cancelled'];
const PAGE = 50;

/**
 * The tenant's pipelines, newest first, with each stage's status. `pipeline.updated` carries no
 * owner, so the feed only says "read the list again" (at most once a second), never on a timer.
 */
export class PipelinesPanel {
  readonly reloadSoon = throttle(() => void this.reload(), 1000);
  private readonly body = h('tbody');
  private readonly status = h(
    'select',
    { 'aria-label': 'Pipeline status', 'data-testid': 'pipelines-filter-status' },
    h('option', { value: '' }, 'any status'),
    ...STATUSES.map((s) => h('option', { value: s }, s)),
  );
  private readonly user = h('input', { placeholder: 'user id', 'aria-label': 'User', 'data-testid': 'pipelines-filter-user' });
  private readonly message = h('p', { class: 'muted' });
  /** Bumped by every reload: an older answer arriving late is dropped. */
  private generation = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: AgentsClient,
  ) {
    const reload = throttle(() => void this.reload(), 300);
    this.status.addEventListener('change', reload);
    this.user.addEventListener('input', reload);
    root.replaceChildren(
      h('h2', {}, 'Pipelines'),
      h('div', { class: 'filters' }, this.status, this.user),
      h(
        'table',
        { 'data-testid': 'pipelines' },
        h('thead', {}, h('tr', {}, ...['id', 'status', 'user', 'stages', 'created', 'error'].map((c) => h('th', {}, c)))),
        this.body,
      ),
      this.message,
    );
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    try {
      const page = await this.client.admin.pipelines({
        status: (this.status.value || undefined) as PipelineStatus | undefined,
        userId: this.user.value.trim() || undefined,
        limit: PAGE,
      });
      if (generation !== this.generation) return;
      this.body.replaceChildren(...page.data.map(row));
      this.message.textContent = page.data.length === 0 ? 'No pipelines.' : page.next_cursor ? `The ${PAGE} newest.` : '';
    } catch (error) {
      this.message.textContent = `Could not load pipelines: ${describeError(error)}`;
    }
  }
}

function row(p: AdminPipeline): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-testid': `pipeline-${p.id}` },
    h('td', { title: p.id }, shortId(p.id)),
    h('td', {}, h('span', { class: `status status-${p.status}`, 'data-testid': `pipeline-status-${p.id}` }, p.status)),
    h('td', {}, p.user_id),
    h(
      'td',
      {},
      h(
        'ol',
        { class: 'stages' },
        ...p.stages.map((stage, index) => stageItem(stage, index === p.current_stage && p.status === 'running')),
      ),
    ),
    h('td', {}, time(p.created_at)),
    h('td', { class: 'error' }, typeof p.error?.message === 'string' ? p.error.message : ''),
  );
}

/** One stage (a parallel one: its members side by side), its execution linked to the execution view. */
function stageItem(stage: PipelineStage | { parallel: PipelineStage[] }, current: boolean): HTMLLIElement {
  const members = 'parallel' in stage ? stage.parallel : [stage];
  return h('li', { class: current ? 'current' : undefined }, ...members.map(member));
}

function member(m: PipelineStage): HTMLSpanElement {
  const name = m.execution_id ? h('a', { href: `#/executions/${m.execution_id}`, title: m.execution_id }, m.name) : m.name;
  return h('span', { class: 'stage' }, name, ' ', h('span', { class: `status status-${m.status}` }, m.status));
}
