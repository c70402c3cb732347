import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedSubagentOptions } from './subagent.options.js';
import type { AgentExecutionEntity } from '../executions/entities/agent-execution.entity.js';
import { ExecutionEvents } from '../executions/execution-events.js';
import { executionFromRow } from '../executions/execution-row.js';
import { ExecutionSettlement, type SettleContext, type SettlementHandler } from '../executions/lifecycle/execution-settlement.js';
import { ExecutionStatus, isTerminal } from '../executions/execution-status.js';
import { publishTransition } from '../executions/lifecycle/transition-events.js';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import type { QueueName } from '../infrastructure/queue-names.js';
import { childResultMessage, type EndedChild } from './child-summary.js';
import { LOCK_PARENT_SQL, SPAWN_CHILDREN_SQL, UNFINISHED_CHILDREN_SQL, WAKE_PARENT_SQL } from '../executions/lifecycle/parent-wake.sql.js';

/**
 * The consequences of ends in a family of executions (SPEC §11), applied in the settlement's
 * transaction (DESIGN rule 2):
 * - a child's end wakes its parent once every child of that spawn has ended: one tool result per
 *   child (its capped summary) joins the parent's history and the parent is `pending` again;
 * - a parent's end (a cancel while it waits, a force kill) cancels its children still at work.
 */
@Injectable()
export class SubagentSettlement implements SettlementHandler, OnModuleInit {
  readonly name = 'subagents';

  constructor(
    private readonly settlement: ExecutionSettlement,
    private readonly events: ExecutionEvents,
    private readonly queue: ExecutionQueue,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedSubagentOptions,
  ) {}

  onModuleInit(): void {
    if (this.options.features.subagents) this.settlement.register(this);
  }

  async settle({ execution, client, afterCommit }: SettleContext): Promise<void> {
    if (execution.parentExecutionId) await this.wakeParent(client, execution.parentExecutionId, afterCommit);
    await this.cancelChildren(client, execution, afterCommit);
  }

  /**
   * NOTE: the parent's row lock serialises the children's settlements: two children ending at the
   * same moment both reach this point, the second sees the first's wake-up (the parent no longer
   * waiting) and does nothing, so the parent wakes exactly once.
   */
  private async wakeParent(client: PoolClient, parentId: string, afterCommit: SettleContext['afterCommit']): Promise<void> {
    const { rows: parents } = await client.query(LOCK_PARENT_SQL, [parentId]);
    const parent = parents[0];
    if (parent?.status !== ExecutionStatus.AwaitingChildren) return;
    const { rows: children } = await client.query<EndedChild & { status: ExecutionStatus }>(SPAWN_CHILDREN_SQL, [parentId, parent.step_count]);
    if (children.length === 0 || !children.every((c) => isTerminal(c.status))) return;

    const maxChars = this.options.subagents.summaryMaxChars;
    const messages = children.map((child) => childResultMessage(child, maxChars));
    const counts = countByStatus(children);
    const { rows } = await client.query(WAKE_PARENT_SQL, [
      parentId,
      JSON.stringify(messages),
      `All ${children.length} subagent(s) ended (${Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(', ')}); continuing`,
      JSON.stringify({ children: children.map((c) => ({ execution_id: c.id, status: c.status })) }),
    ]);
    if (!rows[0]) return;
    const woken = executionFromRow(rows[0].updated);
    afterCommit(async () => {
      publishTransition(this.events, woken, rows[0].log);
      await this.queue.enqueue(woken.id, woken.queue as QueueName, { epoch: woken.leaseEpoch });
    });
  }

  private async cancelChildren(client: PoolClient, execution: AgentExecutionEntity, afterCommit: SettleContext['afterCommit']): Promise<void> {
    const { rows } = await client.query<{ id: string }>(UNFINISHED_CHILDREN_SQL, [execution.id]);
    if (rows.length === 0) return;
    const reason = { cancelled_with: `its parent (${execution.status})`, parent_execution_id: execution.id };
    await this.settlement.cancelWithin(client, rows.map((r) => r.id), reason, afterCommit);
  }
}

const countByStatus = (children: readonly { status: string }[]): Record<string, number> =>
  children.reduce<Record<string, number>>((counts, c) => ({ ...counts, [c.status]: (counts[c.status] ?? 0) + 1 }), {});
