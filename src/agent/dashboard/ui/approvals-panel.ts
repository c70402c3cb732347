import type { AdminExecution, AgentsClient, PendingApproval } from '../../../../client/index.js';
import { h } from './dom.js';
import { dateTime, describeError } from './format.js';

/**
 * The tool calls an execution waits on, each with Approve and Deny (with an optional reason that
 * the model gets with a denial). Hidden when nothing waits; the server decides each call once and
 * answers 409 to a late click, which is shown.
 */
export class ApprovalsPanel {
  readonly element = h('section', { class: 'approvals', 'data-testid': 'approvals', hidden: true });
  private readonly list = h('ul', { class: 'approval-list' });
  private readonly reason = h('input', {
    type: 'text',
    placeholder: 'reason (optional, sent with a denial)',
    'aria-label': 'Reason for the decision',
    'data-testid': 'approval-reason',
  });
  private readonly message = h('p', { class: 'error', role: 'alert', 'data-testid': 'approval-message' });

  constructor(
    private readonly client: AgentsClient,
    private readonly executionId: string,
    /** Reads the execution again after a decision (the list shrinks, the status may change). */
    private readonly refresh: () => Promise<AdminExecution | null>,
    /** Told whether calls wait (input is refused meanwhile, so its button goes grey). */
    private readonly onWaiting: (waiting: boolean) => void = () => undefined,
  ) {
    this.element.append(h('h3', {}, 'Waiting for approval'), this.list, this.reason, this.message);
  }

  show(pending: readonly PendingApproval[]): void {
    this.element.hidden = pending.length === 0;
    this.list.replaceChildren(...pending.map((approval) => this.item(approval)));
    this.onWaiting(pending.length > 0);
  }

  private item(approval: PendingApproval): HTMLElement {
    const approve = h('button', { type: 'button', 'data-testid': 'approve' }, 'Approve');
    const deny = h('button', { type: 'button', class: 'danger', 'data-testid': 'deny' }, 'Deny');
    approve.addEventListener('click', () => void this.decide(approval, true, [approve, deny]));
    deny.addEventListener('click', () => void this.decide(approval, false, [approve, deny]));
    return h(
      'li',
      { 'data-approval-id': approval.approval_id },
      h('strong', {}, approval.tool_name),
      ' ',
      h('code', { class: 'approval-input' }, JSON.stringify(approval.input)),
      h('span', { class: 'muted' }, ` asked ${dateTime(approval.requested_at)} `),
      approve,
      deny,
    );
  }

  private async decide(approval: PendingApproval, approved: boolean, buttons: HTMLButtonElement[]): Promise<void> {
    this.message.textContent = '';
    for (const button of buttons) button.disabled = true;
    const reason = this.reason.value.trim();
    try {
      await this.client.admin.decideToolApproval(this.executionId, approval.approval_id, reason ? { approved, reason } : { approved });
      this.reason.value = '';
    } catch (error) {
      this.message.textContent = `${approved ? 'Approve' : 'Deny'} ${approval.tool_name}: ${describeError(error)}`;
    }
    const fresh = await this.refresh();
    if (fresh) this.show(fresh.pending_approvals);
    else for (const button of buttons) button.disabled = false;
  }
}
