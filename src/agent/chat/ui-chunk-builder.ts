import type { UIMessageChunk } from 'ai';
import { LogEventType } from '../runtime/log-event-type.js';
import type { TurnItem } from './turn-items.js';

/** The log event type of a tool call waiting for a person's approval (committed with the parking step). */
export const TOOL_APPROVAL_REQUESTED = 'tool.approval_requested';

/** Rows whose `status` ends a stream (the builder's `finish`, `error` or `abort`). */
const ENDING_STATUSES = new Set(['completed', 'awaiting_input', 'failed', 'cancelled']);

/** Whether a row is shown in the stream (anything else the builder passes over). */
export const rendersRow = (row: { eventType: string; context: Record<string, unknown> }): boolean =>
  row.eventType === LogEventType.ToolCalled ||
  row.eventType === LogEventType.ToolCompleted ||
  row.eventType === TOOL_APPROVAL_REQUESTED ||
  row.eventType === LogEventType.ToolApprovalDecided ||
  row.eventType === LogEventType.StepCompleted ||
  ENDING_STATUSES.has(String(row.context.status));

/**
 * Turns a turn's items, in order, into the AI SDK's UI message chunks: text parts from the token
 * deltas (one per step), tool parts from the tool rows, step boundaries, and the end: `finish` when
 * the turn completed or waits for input (a tool approval), `error` when it failed, `abort` when it
 * was cancelled. Deterministic: the same items give the same chunks, so a replay equals the original.
 */
export class UiChunkBuilder {
  private stepOpen = false;
  private text: string | null = null;
  private readonly tools = new Set<string>();
  private readonly denied = new Set<string>();
  private ended = false;

  constructor(private readonly messageId: string) {}

  get done(): boolean {
    return this.ended;
  }

  start(): UIMessageChunk[] {
    return [{ type: 'start', messageId: this.messageId }];
  }

  push(item: TurnItem): UIMessageChunk[] {
    if (this.ended) return [];
    if (item.kind === 'token') return this.token(item);
    const c = item.context;
    switch (item.eventType) {
      case LogEventType.ToolCalled:
        return [...this.openStep(), ...this.closeText(), ...this.toolInput(String(c.toolCallId), String(c.toolName), c.input ?? null)];
      case LogEventType.ToolCompleted: {
        const id = String(c.toolCallId);
        const input = this.toolInput(id, String(c.toolName), null);
        // Shown as denied when its decision came; this is the model hearing it.
        if (c.denied === true) return [...input, ...this.deny(id)];
        if (c.ok === false) return [...input, { type: 'tool-output-error', toolCallId: id, errorText: String(c.error ?? 'Tool failed') }];
        return [...input, { type: 'tool-output-available', toolCallId: id, output: c.output ?? null }];
      }
      case TOOL_APPROVAL_REQUESTED: {
        const id = String(c.toolCallId);
        return [
          ...this.openStep(),
          ...this.closeText(),
          ...this.toolInput(id, String(c.toolName), c.input ?? null),
          { type: 'tool-approval-request', approvalId: String(c.approvalId), toolCallId: id },
        ];
      }
      case LogEventType.ToolApprovalDecided:
        return this.decided(String(c.approvalId), String(c.toolCallId), c.approved === true, c.reason);
      case LogEventType.StepCompleted:
        return [...this.unstreamed(item.step, c.text), ...this.closeStep()];
    }
    switch (c.status) {
      case 'completed':
        return this.end({ type: 'finish', finishReason: 'stop' });
      case 'awaiting_input':
        return this.end({ type: 'finish', finishReason: 'tool-calls' });
      case 'failed':
        return this.end({ type: 'error', errorText: item.message || 'The turn failed' });
      case 'cancelled':
        return this.end({ type: 'abort', reason: item.message || 'Cancelled' });
      default:
        return [];
    }
  }

  private token(item: Extract<TurnItem, { kind: 'token' }>): UIMessageChunk[] {
    const id = `text-${item.step}-${item.epoch}`;
    const opening = this.text === id ? [] : [...this.openStep(), ...this.closeText(), { type: 'text-start' as const, id }];
    this.text = id;
    return [...opening, { type: 'text-delta', id, delta: item.text }];
  }

  /** A step that streamed no token (a custom agent) but said something: its text as one part. */
  private unstreamed(step: number, text: unknown): UIMessageChunk[] {
    if (typeof text !== 'string' || text === '') return [];
    const id = `text-${step}`;
    return [
      ...this.openStep(),
      ...this.closeText(),
      { type: 'text-start', id },
      { type: 'text-delta', id, delta: text },
      { type: 'text-end', id },
    ];
  }

  /**
   * A person's decision on a waiting call. The call was announced before it (by its approval request
   * in this stream, or in the message the client sent the decision with, when this stream goes on
   * after it): its result later is only an output, never a second tool part with an empty input.
   */
  private decided(approvalId: string, toolCallId: string, approved: boolean, reason: unknown): UIMessageChunk[] {
    this.tools.add(toolCallId);
    const response: UIMessageChunk = {
      type: 'tool-approval-response',
      approvalId,
      approved,
      ...(typeof reason === 'string' && reason !== '' ? { reason } : {}),
    };
    return approved ? [response] : [response, ...this.deny(toolCallId)];
  }

  private deny(toolCallId: string): UIMessageChunk[] {
    if (this.denied.has(toolCallId)) return [];
    this.denied.add(toolCallId);
    return [{ type: 'tool-output-denied', toolCallId }];
  }

  private toolInput(toolCallId: string, toolName: string, input: unknown): UIMessageChunk[] {
    if (this.tools.has(toolCallId)) return [];
    this.tools.add(toolCallId);
    return [{ type: 'tool-input-available', toolCallId, toolName, input }];
  }

  private openStep(): UIMessageChunk[] {
    if (this.stepOpen) return [];
    this.stepOpen = true;
    return [{ type: 'start-step' }];
  }

  private closeText(): UIMessageChunk[] {
    if (this.text === null) return [];
    const id = this.text;
    this.text = null;
    return [{ type: 'text-end', id }];
  }

  private closeStep(): UIMessageChunk[] {
    const text = this.closeText();
    if (!this.stepOpen) return text;
    this.stepOpen = false;
    return [...text, { type: 'finish-step' }];
  }

  private end(last: UIMessageChunk): UIMessageChunk[] {
    this.ended = true;
    return [...this.closeStep(), last];
  }
}
