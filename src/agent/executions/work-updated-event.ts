import type { ExecutionStatus } from './execution-status.js';

/**
 * The shape of a feature's event about its own record built on executions (a conversation, a
 * pipeline): `view` is that record's public JSON (what `GET` answers, without the message history),
 * published after the commit that changed it. The feature names the event (`Name`) and adds it to
 * `ExecutionEventMap`.
 */
export interface WorkUpdatedEvent<Name extends string = string> {
  name: Name;
  tenantId: string;
  userId: string;
  /** The conversation's or pipeline's id. */
  id: string;
  /** The execution whose end caused the change; empty when a request did. */
  executionId: string;
  /** The status that execution ended in (with `executionId`): a conversation turn completed, failed or was cancelled. */
  executionStatus?: ExecutionStatus;
  view: Record<string, unknown>;
}
