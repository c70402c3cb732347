import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedConversationOptions } from './conversation.options.js';
import { ConversationBusyError, ConversationNotFoundError } from '../errors/conversation.errors.js';
import { ExecutionSettlement } from '../executions/lifecycle/execution-settlement.js';
import { isTerminal, type ExecutionStatus } from '../executions/execution-status.js';
import { uuidv7 } from '../executions/uuid-v7.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { SIGNAL_NOTIFIER, type SignalNotifier } from '../infrastructure/signal-notifier.js';
import type { Principal } from '../tenancy/principal.js';
import { inTransaction } from '../infrastructure/in-transaction.js';
import { ConversationTurns, type StartedTurn } from './conversation-turns.js';
import {
  DELETE_CONVERSATION_SQL,
  INSERT_CONVERSATION_SQL,
  LOCK_CONVERSATION_SQL,
  LOCK_TURNS_SQL,
  OWNED_CONVERSATION_SQL,
  UNFINISHED_TURNS_SQL,
  UNSETTLED_TURNS_SQL,
} from './conversations.sql.js';

export type { StartedTurn };

export interface NewConversation {
  agentType: string;
  message: string;
  title?: string;
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
    private readonly turns: ConversationTurns,
    private readonly settlement: ExecutionSettlement,
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
      return this.turns.open(client, principal, { id: conversationId, agentType: request.agentType }, request.message, false, afterCommit);
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
      return this.turns.open(
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
