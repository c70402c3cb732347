import { Injectable } from '@nestjs/common';
import { ConversationReader } from '../conversations/conversation-reader.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { AgentError } from '../errors/agent.errors.js';
import { AgentErrorCode } from '../errors/agent-error-code.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { AgentManager } from '../executions/lifecycle/agent-manager.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import { readChatAsk } from './chat-message.js';

const LOG_PAGE = 500;

/** The turn a chat request streams, and where its stream starts (after a tool approval: after the park). */
export interface ChatTurn {
  executionId: string;
  afterSeq?: number;
}

/** An approval answered while no turn of the conversation waits for one (409). */
export class NoTurnAwaitingApprovalError extends AgentError {
  constructor(conversationId: string) {
    super(AgentErrorCode.InvalidTransition, `No turn of conversation ${conversationId} is waiting for a tool approval`);
  }
}

/**
 * The AI SDK chat protocol on conversations (SPEC §17): a chat request starts the next turn (or
 * answers its tool approvals), a resume finds the turn in flight, a stop cancels it. Streaming is
 * `TurnStreamService`'s; each method here checks the caller owns the conversation first (404).
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly reader: ConversationReader,
    private readonly executions: ExecutionReader,
    private readonly manager: AgentManager,
  ) {}

  /** A new turn with the last message's text (409 while one runs), or the decisions it carries on the waiting turn's tool calls. */
  async send(principal: Principal, conversationId: string, messages: unknown[]): Promise<ChatTurn> {
    const ask = readChatAsk(messages);
    if (ask.kind === 'message') {
      const turn = await this.conversations.send(principal, conversationId, ask.text);
      return { executionId: turn.executionId };
    }
    const executionId = await this.activeTurn(principal, conversationId);
    if (!executionId) throw new NoTurnAwaitingApprovalError(conversationId);
    // Read before deciding: what the decisions bring comes after it.
    const afterSeq = await this.lastSeq(principal, executionId);
    for (const { approvalId, approved, reason } of ask.responses) {
      await this.manager.decideToolApproval(principal, executionId, approvalId, { approved, ...(reason ? { reason } : {}) });
    }
    return { executionId, afterSeq };
  }

  /** The turn in flight (the oldest unfinished one), or null. */
  async activeTurn(principal: Principal, conversationId: string): Promise<string | null> {
    return this.reader.activeExecutionId({ tenantId: principal.tenantId, userId: principal.userId }, conversationId);
  }

  /** Cancels the turn in flight gracefully (it stops at the end of its step); null when none runs. */
  async cancel(principal: Principal, conversationId: string): Promise<string | null> {
    const executionId = await this.activeTurn(principal, conversationId);
    if (!executionId) return null;
    await this.manager.cancel(principal, executionId).catch((error: unknown) => {
      // Ended meanwhile: nothing is left to cancel.
      if (!(error instanceof AgentError && error.code === AgentErrorCode.InvalidTransition)) throw error;
    });
    return executionId;
  }

  private async lastSeq(principal: Principal, executionId: string): Promise<number> {
    let afterId = 0;
    for (;;) {
      const page = await this.executions.logsAfter(ownScope(principal), executionId, { afterId, limit: LOG_PAGE });
      if (page.data.length > 0) afterId = Number(page.data[page.data.length - 1].id);
      if (!page.next_cursor) return afterId;
    }
  }
}
