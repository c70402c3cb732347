import {
  isTerminalStatus,
  type AdminExecution,
  type AgentsClient,
  type ExecutionStatus,
  type LogEvent,
  type StatusEvent,
  type StepEvent,
  type Subscription,
  type TokenEvent,
} from '../../../../client/index.js';
import { ApprovalsPanel } from './approvals-panel.js';
import { h, throttle } from './dom.js';
import { count, dateTime, describeError, time, usd } from './format.js';

/** Logs kept on the page; older ones scroll away (the API has them all). */
const SHOWN_LOGS = 500;

type Action = 'pause' | 'resume' | 'cancel' | 'kill' | 'input';

/** Which buttons make sense in which status (the server has the last word and answers 409 otherwise). */
const ALLOWED: Record<Action, (s: ExecutionStatus) => boolean> = {
  pause: (s) => ['scheduled', 'pending', 'running', 'awaiting_input', 'awaiting_event'].includes(s),
  resume: (s) => s === 'paused',
  cancel: (s) => !isTerminalStatus(s),
  kill: (s) => !isTerminalStatus(s),
  input: (s) => s === 'awaiting_input',
};

/**
 * One execution: its counters, step timeline, streaming logs and model output, and the lifecycle
 * buttons. Everything after the first read comes from `client.admin.subscribe`, which replays the
 * history from the logs and then follows live, each step exactly once.
 */
export class ExecutionView {
  private subscription: Subscription | null = null;
  private execution: AdminExecution | null = null;
  private approvalsWaiting = false;
  private readonly refreshCost = throttle(() => void this.refresh(), 2000);

  constructor(
    private readonly root: HTMLElement,
    private readonly client: AgentsClient,
  ) {
    this.empty();
  }

  async show(id: string | null): Promise<void> {
    this.subscription?.close();
    this.subscription = null;
    this.execution = null;
    if (!id) return this.empty();
    let execution: AdminExecution;
    try {
      execution = await this.client.admin.get(id);
    } catch (error) {
      this.root.replaceChildren(h('h2', {}, 'Execution'), h('p', { class: 'error', role: 'alert' }, describeError(error)));
      return;
    }
    this.execution = execution;
    const parts = this.render(execution);
    this.subscription = this.client.admin.subscribe(id, {
      onStep: (e) => this.step(parts, e),
      onLog: (e) => this.log(parts, e),
      onToken: (e) => this.token(parts, e),
      onStatus: (e) => this.status(parts, e),
      onError: (e) => (parts.message.textContent = `Live updates: ${e.message}`),
    });
  }

  private empty(): void {
    this.root.replaceChildren(h('h2', {}, 'Execution'), h('p', { class: 'muted' }, 'Select an execution, or start one.'));
  }

  private render(e: AdminExecution) {
    const parts = {
      status: h('span', { class: `status status-${e.status}`, 'data-testid': 'view-status' }, e.status),
      steps: h('strong', { 'data-testid': 'view-steps' }, count(e.step_count)),
      tokens: h('strong', { 'data-testid': 'view-tokens' }, count(e.token_usage)),
      cost: h('strong', { 'data-testid': 'view-cost' }, usd(e.cost_usd)),
      timeline: h('ol', { class: 'timeline', 'data-testid': 'timeline' }),
      logs: h('ol', { class: 'logs', 'data-testid': 'logs' }),
      output: h('pre', { class: 'output', 'data-testid': 'live-output' }),
      result: h('pre', { class: 'result', 'data-testid': 'result', hidden: e.output === null && e.error === null }, resultText(e)),
      message: h('p', { class: 'error', role: 'alert', 'data-testid': 'view-message' }),
      approvals: new ApprovalsPanel(
        this.client,
        e.id,
        () => this.refresh(),
        (waiting) => this.blockInput(waiting),
      ),
      buttons: {} as Record<Action, HTMLButtonElement>,
      inputBox: h('textarea', {
        rows: '2',
        spellcheck: 'false',
        placeholder: 'input (JSON)',
        'aria-label': 'Input to send',
        'data-testid': 'input-value',
      }),
    };
    for (const action of ['pause', 'resume', 'cancel', 'kill', 'input'] as Action[]) {
      const button = h(
        'button',
        { type: 'button', 'data-testid': `action-${action}`, class: action === 'kill' ? 'danger' : '' },
        label(action),
      );
      button.addEventListener('click', () => void this.act(parts, action));
      parts.buttons[action] = button;
    }
    this.root.replaceChildren(
      h('h2', {}, 'Execution ', h('code', { 'data-testid': 'view-id' }, e.id)),
      h(
        'dl',
        { class: 'facts' },
        ...fact('status', parts.status),
        ...fact('agent', e.agent_type),
        ...fact('version', h('span', { 'data-testid': 'view-version' }, e.agent_version)),
        ...(e.forked_from_execution_id
          ? fact(
              'forked from',
              h('span', { 'data-testid': 'view-forked-from' }, `${e.forked_from_execution_id} at step ${e.forked_from_step}`),
            )
          : []),
        ...fact('user', e.user_id),
        ...fact('queue', e.queue),
        ...fact('created', dateTime(e.created_at)),
        ...fact('steps', parts.steps),
        ...fact('tokens', parts.tokens),
        ...fact('cost', parts.cost),
      ),
      h(
        'div',
        { class: 'actions' },
        parts.buttons.pause,
        parts.buttons.resume,
        parts.buttons.cancel,
        parts.buttons.kill,
        parts.inputBox,
        parts.buttons.input,
      ),
      parts.message,
      parts.approvals.element,
      parts.result,
      h(
        'div',
        { class: 'columns' },
        h('section', {}, h('h3', {}, 'Steps'), parts.timeline),
        h('section', {}, h('h3', {}, 'Logs'), parts.logs),
      ),
      h('h3', {}, 'Model output (live)'),
      parts.output,
    );
    this.enable(parts, e.status);
    parts.approvals.show(e.pending_approvals ?? []);
    return parts;
  }

  private step(parts: Parts, e: StepEvent): void {
    const tools = e.tool_names.length ? ` · ${e.tool_names.join(', ')}` : '';
    parts.timeline.append(
      h(
        'li',
        { 'data-step': String(e.step_number) },
        h('strong', {}, `Step ${e.step_number}`),
        ` ${e.step_type}${tools} · ${count(e.tokens_used)} tokens · ${time(e.timestamp)}`,
      ),
    );
    parts.steps.textContent = count(e.step_number);
    parts.output.textContent = '';
    if (e.tokens_used > 0) this.refreshCost();
  }

  private log(parts: Parts, e: LogEvent): void {
    parts.logs.append(h('li', { class: `level-${e.level}` }, h('time', {}, time(e.created_at)), ` ${e.event_type} `, e.message));
    while (parts.logs.childElementCount > SHOWN_LOGS) parts.logs.firstElementChild?.remove();
    parts.logs.scrollTop = parts.logs.scrollHeight;
    // A call asked for or decided: the pending list is the row's, read again.
    if (e.event_type.startsWith('tool.approval_'))
      void this.refresh().then((fresh) => fresh && parts.approvals.show(fresh.pending_approvals));
  }

  private token(parts: Parts, e: TokenEvent): void {
    parts.output.append(e.text);
  }

  private status(parts: Parts, e: StatusEvent): void {
    parts.status.textContent = e.status;
    parts.status.className = `status status-${e.status}`;
    parts.steps.textContent = count(e.step_count);
    parts.tokens.textContent = count(e.token_usage);
    this.enable(parts, e.status);
    if (isTerminalStatus(e.status)) void this.refresh().then((fresh) => fresh && parts.approvals.show(fresh.pending_approvals));
  }

  /** The row's own counters and pending calls (not in the events): after steps that used tokens, decisions, and at the end. */
  private async refresh(): Promise<AdminExecution | null> {
    const current = this.execution;
    if (!current) return null;
    try {
      const fresh = await this.client.admin.get(current.id);
      if (this.execution?.id !== fresh.id) return null;
      this.execution = fresh;
      const cost = this.root.querySelector('[data-testid="view-cost"]');
      const result = this.root.querySelector<HTMLElement>('[data-testid="result"]');
      if (cost) cost.textContent = usd(fresh.cost_usd);
      if (result && (fresh.output !== null || fresh.error !== null)) {
        result.textContent = resultText(fresh);
        result.hidden = false;
      }
      return fresh;
    } catch {
      // The counters stay as they were; the next event tries again.
      return null;
    }
  }

  private enable(parts: Parts, status: ExecutionStatus): void {
    for (const [action, button] of Object.entries(parts.buttons) as [Action, HTMLButtonElement][])
      button.disabled = !ALLOWED[action](status) || (action === 'input' && this.approvalsWaiting);
    parts.inputBox.disabled = parts.buttons.input.disabled;
  }

  /** While tool calls wait for a decision the server refuses input (409): its controls go grey. */
  private blockInput(waiting: boolean): void {
    this.approvalsWaiting = waiting;
    const status = this.execution?.status;
    const button = this.root.querySelector<HTMLButtonElement>('[data-testid="action-input"]');
    const box = this.root.querySelector<HTMLTextAreaElement>('[data-testid="input-value"]');
    const disabled = waiting || !status || !ALLOWED.input(status);
    if (button) button.disabled = disabled;
    if (box) box.disabled = disabled;
  }

  private async act(parts: Parts, action: Action): Promise<void> {
    const id = this.execution?.id;
    if (!id) return;
    parts.message.textContent = '';
    if (action === 'kill' && !confirm('Force kill: the step in flight is aborted and commits nothing. Kill?')) return;
    try {
      const admin = this.client.admin;
      if (action === 'input') await admin.sendInput(id, parseInput(parts.inputBox.value));
      else await admin[action](id);
      // A running execution answers 202 and changes at the end of its step: the status event tells when.
    } catch (error) {
      parts.message.textContent = `${label(action)}: ${describeError(error)}`;
    }
  }
}

type Parts = ReturnType<ExecutionView['render']>;

const label = (action: Action): string =>
  ({ pause: 'Pause', resume: 'Resume', cancel: 'Cancel', kill: 'Kill', input: 'Send input' })[action];

const fact = (term: string, value: Node | string): HTMLElement[] => [h('dt', {}, term), h('dd', {}, value)];

/** JSON when it parses, else the text as it is. */
function parseInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function resultText(e: AdminExecution): string {
  if (e.error) return `error ${e.error.code}: ${e.error.message}`;
  return e.output === null ? '' : `output ${JSON.stringify(e.output, null, 2)}`;
}
