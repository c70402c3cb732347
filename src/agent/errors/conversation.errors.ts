import { AgentErrorCode } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';

export class ConversationNotFoundError extends AgentError {
  constructor(id: string) {
    super(AgentErrorCode.ConversationNotFound, `Conversation ${id} not found`);
  }
}

/** A message for a conversation whose turn is still running, with `conversations.whenBusy: 'reject'` (409). */
export class ConversationBusyError extends AgentError {
  constructor(readonly activeExecutionId: string) {
    super(
      AgentErrorCode.ConversationBusy,
      `The conversation's turn ${activeExecutionId} is still running; send the message when it has ended`,
      {
        active_execution_id: activeExecutionId,
      },
    );
  }
}
