import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedConversationOptions } from './conversation.options.js';
import { ExecutionEvents } from '../executions/execution-events.js';
import { ExecutionSettlement, type SettleContext, type SettlementHandler } from '../executions/lifecycle/execution-settlement.js';
import { ExecutionStatus } from '../executions/execution-status.js';
import { LinkedExecutions } from '../executions/lifecycle/linked-executions.js';
import { ExecutionHistory } from '../executions/lifecycle/execution-history.js';
import { ExecutionTransitions, type TransitionRequest } from '../executions/lifecycle/execution-transitions.js';
import { ANY_SCOPE } from '../tenancy/scope.js';
import { publishConversationUpdated } from './conversation-events.js';
import { ConversationReader } from './conversation-reader.js';
import { NEXT_QUEUED_TURN_SQL, SETTLE_TURN_SQL } from './conversations.sql.js';
import { LogEventType } from '../runtime/log-event-type.js';

/** A queued turn's start: scheduled → pending, with its user message and this log. */
const RELEASE = {
  operation: 'release',
  from: [ExecutionStatus.Scheduled],
  to: ExecutionStatus.Pending,
  log: { level: 'info', eventType: LogEventType.TurnReleased, message: "Started: the conversation's previous turn ended", context: {} },
} satisfies TransitionRequest;

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
    private readonly history: ExecutionHistory,
    private readonly transitions: ExecutionTransitions,
    private readonly linked: LinkedExecutions,
    private readonly events: ExecutionEvents,
    private readonly reader: ConversationReader,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedConversationOptions,
  ) {}

  onModuleInit(): void {
    if (this.options.features.conversations) this.settlement.register(this);
  }

  async settle({ execution, client, afterCommit }: SettleContext): Promise<void> {
    const conversationId = execution.conversationId;
    if (!conversationId) return;
    const completed = execution.status === ExecutionStatus.Completed;
    if (completed) await this.history.joinHistory(client, execution.id, conversationId);
    // Locks the conversation (after the turn, which the settlement holds): turn starts wait for this end.
    const { rowCount } = await client.query(SETTLE_TURN_SQL, [conversationId, completed, execution.tokenUsage]);
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
  private async startNextQueuedTurn(
    client: PoolClient,
    conversationId: string,
    endingId: string,
    afterCommit: SettleContext['afterCommit'],
  ): Promise<void> {
    const { rows: next } = await client.query<{ id: string; message: string }>(NEXT_QUEUED_TURN_SQL, [conversationId, endingId]);
    if (!next[0]) return;
    const { id, message } = next[0];
    const turn = await this.transitions.tryApplyWithin(client, id, ANY_SCOPE, { ...RELEASE, userMessage: message }, afterCommit);
    // Lost to a concurrent cancel: that cancel's own settlement starts the next one.
    if (!turn) return;
    afterCommit(() => this.linked.enqueue([turn]));
  }
}
