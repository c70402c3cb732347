import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ExecutionEvents } from '../executions/execution-events.js';
import { executionFromRow } from '../executions/execution-row.js';
import { ExecutionSettlement, type SettleContext, type SettlementHandler } from '../executions/lifecycle/execution-settlement.js';
import { ExecutionStatus } from '../executions/execution-status.js';
import { LinkedExecutions } from '../executions/lifecycle/linked-executions.js';
import { TRANSITION_SQL } from '../executions/lifecycle/transition.sql.js';
import { publishTransition } from '../executions/lifecycle/transition-events.js';
import { publishConversationUpdated } from './conversation-events.js';
import { ConversationReader } from './conversation-reader.js';
import { NEXT_QUEUED_TURN_SQL, SETTLE_TURN_SQL } from './conversations.sql.js';
import { LogEventType } from '../runtime/log-event-type.js';

/** The log of a queued turn's start (its status change scheduled → pending). */
const RELEASED_LOG = JSON.stringify({
  level: 'info',
  event_type: LogEventType.TurnReleased,
  message: "Started: the conversation's previous turn ended",
  context: { status: ExecutionStatus.Pending },
});

/**
 * The consequence of a turn's end (DESIGN rule 2), committed with the settlement of that end:
 * a completed turn's user message and answer join the conversation's history, its tokens count
 * (whatever the end), and the oldest queued turn starts.
 */
@Injectable()
export class ConversationSettlement implements SettlementHandler, OnModuleInit {
  readonly name = 'conversations';

  constructor(
    private readonly settlement: ExecutionSettlement,
    private readonly linked: LinkedExecutions,
    private readonly events: ExecutionEvents,
    private readonly reader: ConversationReader,
  ) {}

  onModuleInit(): void {
    this.settlement.register(this);
  }

  async settle({ execution, client, afterCommit }: SettleContext): Promise<void> {
    const conversationId = execution.conversationId;
    if (!conversationId) return;
    const completed = execution.status === ExecutionStatus.Completed;
    // Locks the conversation (after the turn, which the settlement holds): turn starts wait for this end.
    const { rowCount } = await client.query(SETTLE_TURN_SQL, [execution.id, conversationId, completed, execution.tokenUsage]);
    if (!rowCount) return;
    await this.startNextQueuedTurn(client, conversationId, execution.id, afterCommit);
    const owner = { tenantId: execution.tenantId, userId: execution.userId };
    const view = await this.reader.view(client, owner, conversationId);
    afterCommit(() => publishConversationUpdated(this.events, owner, view, { executionId: execution.id, status: execution.status }));
  }

  /**
   * The oldest queued turn → `pending` with its user message as its first message (one guarded
   * transition), its job after the commit.
   */
  private async startNextQueuedTurn(client: PoolClient, conversationId: string, endingId: string, afterCommit: SettleContext['afterCommit']): Promise<void> {
    const { rows: next } = await client.query<{ id: string; message: string }>(NEXT_QUEUED_TURN_SQL, [conversationId, endingId]);
    if (!next[0]) return;
    const { id, message } = next[0];
    const { rows } = await client.query(TRANSITION_SQL, [id, null, null, [ExecutionStatus.Scheduled], ExecutionStatus.Pending, '{}', null, null, RELEASED_LOG, JSON.stringify(message)]);
    // Lost to a concurrent cancel: that cancel's own settlement starts the next one.
    if (!rows[0].updated) return;
    const turn = executionFromRow(rows[0].updated);
    afterCommit(async () => {
      publishTransition(this.events, turn, rows[0].log);
      await this.linked.enqueue([turn]);
    });
  }
}
