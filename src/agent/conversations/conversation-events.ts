import type { ExecutionEvents } from '../executions/execution-events.js';
import type { ExecutionStatus } from '../executions/execution-status.js';
import type { WorkUpdatedEvent } from '../executions/work-updated-event.js';
import type { ConversationView } from './conversation.view.js';

/** The conversations' event on the execution bus (realtime forwards it to the owner's rooms). */
export const ConversationEventName = {
  /** A conversation's history, counters or active turn changed (SPEC §9). */
  Updated: 'conversation.updated',
} as const;

export type ConversationUpdatedEvent = WorkUpdatedEvent<typeof ConversationEventName.Updated>;

declare module '../executions/execution-events.js' {
  interface ExecutionEventMap {
    [ConversationEventName.Updated]: ConversationUpdatedEvent;
  }
}

/**
 * `conversation.updated` to the owner (after the commit that changed it). `turn` is the turn whose end
 * changed it (none when a request did: a new turn).
 */
export function publishConversationUpdated(
  events: ExecutionEvents,
  owner: { tenantId: string; userId: string },
  view: ConversationView,
  turn?: { executionId: string; status: ExecutionStatus },
): void {
  const { messages: _history, ...withoutHistory } = view;
  events.publish({
    name: ConversationEventName.Updated,
    tenantId: owner.tenantId,
    userId: owner.userId,
    id: view.id,
    executionId: turn?.executionId ?? '',
    executionStatus: turn?.status,
    view: withoutHistory as unknown as Record<string, unknown>,
  });
}
