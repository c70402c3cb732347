import { ExecutionEventName, type ExecutionEvents } from '../executions/execution-events.js';
import type { ConversationView } from './conversation.view.js';

/**
 * `conversation.updated` to the owner (after the commit that changed it). `executionId` is the turn
 * whose end changed it; empty when a request did (a new turn).
 */
export function publishConversationUpdated(events: ExecutionEvents, owner: { tenantId: string; userId: string }, view: ConversationView, executionId = ''): void {
  const { messages: _history, ...withoutHistory } = view;
  events.publish({
    name: ExecutionEventName.ConversationUpdated,
    tenantId: owner.tenantId,
    userId: owner.userId,
    id: view.id,
    executionId,
    view: withoutHistory as unknown as Record<string, unknown>,
  });
}
