import { ExecutionEventName, type ExecutionEvents } from '../executions/execution-events.js';
import type { ExecutionStatus } from '../executions/execution-status.js';
import type { ConversationView } from './conversation.view.js';

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
    name: ExecutionEventName.ConversationUpdated,
    tenantId: owner.tenantId,
    userId: owner.userId,
    id: view.id,
    executionId: turn?.executionId ?? '',
    executionStatus: turn?.status,
    view: withoutHistory as unknown as Record<string, unknown>,
  });
}
