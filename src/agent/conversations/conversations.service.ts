import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedConversationOptions } from './conversation.options.js';
import { ConversationBusyError, ConversationNotFoundError } from '../errors/conversation.errors.js';
import { AgentManager } from '../executions/lifecycle/agent-manager.js';
import { ExecutionEvents } from '../executions/execution-events.js';
import { ExecutionHistory } from '../executions/lifecycle/execution-history.js';
import { ExecutionSettlement } from '../executions/lifecycle/execution-settlement.js';
import { isTerminal, type ExecutionStatus } from '../executions/execution-status.js';
import { uuidv7 } from '../executions/uuid-v7.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { SIGNAL_NOTIFIER, type SignalNotifier } from '../infrastructure/signal-notifier.js';
import type { Principal } from '../tenancy/principal.js';
import { publishConversationUpdated } from './conversation-events.js';
import { ConversationReader } from './conversation-reader.js';
import { inTransaction, type AfterCommit } from '../infrastructure/in-transaction.js';
import type { ConversationView } from './conversation.view.js';
import {
  DELETE_CONVERSATION_SQL,
  INSERT_CONVERSATION_SQL,
  LOCK_CONVERSATION_SQL,
  LOCK_TURNS_SQL,
  OWNED_CONVERSATION_SQL,
  TOUCH_CONVERSATION_SQL,
  UNFINISHED_TURNS_SQL,
  UNSETTLED_TURNS_SQL,
} from './conversations.sql.js';

export interface NewConversation {
  agentType: string;
  message: string;
  title?: string;
}

/** A turn just created: `queued` when it waits for the conversation's active turn (`whenBusy: 'enqueue'`). */
export interface StartedTurn {
  conversation: ConversationView;
  executionId: string;
  queued: boolean;
}

/**
 * Conversations (SPEC §9): each message is a turn, an execution linked to the conversation that
 * sees its history. One turn runs at a time: the conversation row is locked while a turn starts,
 * and the end of a turn (`ConversationSettlement`) appends to the history and starts the next
 * queued one.
 *
 * @example
 * const { executionId } = await conversations.start(principal, { agentType: 'code-assistant', message: 'What is in src/?' });
 * await conversations.send(principal, conversationId, 'And in test/?');
 */
@Injectable()
export class ConversationsService {
  private readonly logger = new Logger(ConversationsService.name);
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedConversationOptions,
    @Inject(SIGNAL_NOTIFIER) private readonly notifier: SignalNotifier,
    private readonly manager: AgentManager,
    private readonly history: ExecutionHistory,
    private readonly reader: ConversationReader,
    private readonly settlement: ExecutionSettlement,
    private readonly events: ExecutionEvents,
  ) {
    this.pool = database.pool;
  }

  /** A new conversation and its first turn, in one transaction: an invalid start creates neither. */
  start(principal: Principal, request: NewConversation): Promise<StartedTurn> {
    const conversationId = uuidv7();
    return inTransaction(this.pool, async (client, afterCommit) => {
      await client.query(INSERT_CONVERSATION_SQL, [
        conversationId,
        principal.tenantId,
        principal.userId,
        request.agentType,
        request.title ?? null,
      ]);
      return this.openTurn(client, principal, { id: conversationId, agentType: request.agentType }, request.message, false, afterCommit);
    });
  }

  /**
   * A new turn. While another turn is unfinished the message is refused (`ConversationBusyError`,
   * 409) or queued behind it, as `conversations.whenBusy` says.
   */
  async send(principal: Principal, conversationId: string, message: string): Promise<StartedTurn> {
    await this.settleEndedTurns(principal, conversationId);
    return inTransaction(this.pool, async (client, afterCommit) => {
      const { rows } = await client.query<{ id: string; agent_type: string }>(LOCK_CONVERSATION_SQL, [
        conversationId,
        principal.tenantId,
        principal.userId,
      ]);
      if (!rows[0]) throw new ConversationNotFoundError(conversationId);
      // NOTE: read after the lock is held, so a turn started or settled meanwhile is seen (READ COMMITTED).
      const { rows: unfinished } = await client.query<{ id: string }>(UNFINISHED_TURNS_SQL, [conversationId, principal.tenantId]);
      const active = unfinished[0]?.id;
      if (active && this.options.conversations.whenBusy === 'reject') throw new ConversationBusyError(active);
      return this.openTurn(
        client,
        principal,
        { id: conversationId, agentType: rows[0].agent_type },
        message,
        active !== undefined,
        afterCommit,
      );
    });
  }

  /** Deletes it with its turns (a running one is force-killed), their messages, logs and signals. */
  async delete(principal: Principal, conversationId: string): Promise<void> {
    await inTransaction(this.pool, async (client, afterCommit) => {
      const owner = [conversationId, principal.tenantId, principal.userId];
      const { rows: owned } = await client.query(OWNED_CONVERSATION_SQL, owner);
      if (!owned[0]) throw new ConversationNotFoundError(conversationId);
      const { rows: turns } = await client.query<{ id: string; status: ExecutionStatus }>(LOCK_TURNS_SQL, [
        conversationId,
        principal.tenantId,
      ]);
      const { rows: deleted } = await client.query(DELETE_CONVERSATION_SQL, owner);
      if (!deleted[0]) throw new ConversationNotFoundError(conversationId);
      const live = turns.filter((t) => !isTerminal(t.status)).map((t) => t.id);
      // The rows are gone; a runner still in a step of one of them is told to abort it (it could commit nothing anyway).
      afterCommit(async () => {
        for (const executionId of live) await this.notifier.publish({ executionId, type: 'kill' }).catch(() => undefined);
      });
    });
  }

  /** Starts the turn inside the transaction holding its conversation, its user message as its first message. */
  private async openTurn(
    client: PoolClient,
    principal: Principal,
    conversation: { id: string; agentType: string },
    message: string,
    queued: boolean,
    afterCommit: (action: AfterCommit) => void,
  ): Promise<StartedTurn> {
    const started = await this.manager.startWithin(
      client,
      principal,
      conversation.agentType,
      { prompt: message },
      { links: { conversationId: conversation.id } },
    );
    await this.history.openTurn(client, { executionId: started.execution.id, tenantId: principal.tenantId, message, queued });
    await client.query(TOUCH_CONVERSATION_SQL, [conversation.id]);
    const view = await this.reader.view(client, principal, conversation.id);
    // A queued turn has no job (nor message) yet: the settlement of the turn before it starts it.
    if (!queued) afterCommit(started.afterCommit);
    afterCommit(() => publishConversationUpdated(this.events, principal, view));
    return { conversation: view, executionId: started.execution.id, queued };
  }

  /**
   * Settles the conversation's ended turns now rather than waiting for the process that ended them:
   * a message sent right after a turn's end then finds the conversation free, with the answer in
   * its history. Best effort: an unsettled turn still counts as unfinished.
   */
  private async settleEndedTurns(principal: Principal, conversationId: string): Promise<void> {
    const { rows } = await this.pool.query<{ id: string }>(UNSETTLED_TURNS_SQL, [conversationId, principal.tenantId, principal.userId]);
    for (const { id } of rows) {
      await this.settlement
        .settle(id)
        .catch((error: Error) =>
          this.logger.warn(`Settling a turn failed (the recovery sweep retries): ${error.message}`, { execution_id: id }),
        );
    }
  }
}
