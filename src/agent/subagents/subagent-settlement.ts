import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedSubagentOptions } from './subagent.options.js';
import type { AgentExecutionEntity } from '../executions/entities/agent-execution.entity.js';
import { ExecutionFamily } from '../executions/lifecycle/execution-family.js';
import { ExecutionSettlement, type SettleContext, type SettlementHandler } from '../executions/lifecycle/execution-settlement.js';
import { childResultMessage } from './child-summary.js';

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
    private readonly family: ExecutionFamily,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedSubagentOptions,
  ) {}

  onModuleInit(): void {
    if (this.options.features.subagents) this.settlement.register(this);
  }

  async settle({ execution, client, afterCommit }: SettleContext): Promise<void> {
    if (execution.parentExecutionId) await this.wakeParent(client, execution.parentExecutionId, afterCommit);
    await this.cancelChildren(client, execution, afterCommit);
  }

  /** The parent wakes with one tool result per child of the spawn (its capped summary), once all of them ended. */
  private async wakeParent(client: PoolClient, parentId: string, afterCommit: SettleContext['afterCommit']): Promise<void> {
    const maxChars = this.options.subagents.summaryMaxChars;
    await this.family.wakeParent(
      client,
      parentId,
      (children) => ({
        messages: children.map((child) => childResultMessage(child, maxChars)),
        log: allEndedLog(children),
        context: { children: children.map((c) => ({ execution_id: c.id, status: c.status })) },
      }),
      afterCommit,
    );
  }

  private async cancelChildren(
    client: PoolClient,
    execution: AgentExecutionEntity,
    afterCommit: SettleContext['afterCommit'],
  ): Promise<void> {
    const unfinished = await this.family.unfinishedChildren(client, execution.id);
    if (unfinished.length === 0) return;
    const reason = { cancelled_with: `its parent (${execution.status})`, parent_execution_id: execution.id };
    await this.settlement.cancelWithin(client, unfinished, reason, afterCommit);
  }
}

const allEndedLog = (children: readonly { status: string }[]): string => {
  const counts = Object.entries(countByStatus(children)).map(([status, n]) => `${n} ${status}`);
  return `All ${children.length} subagent(s) ended (${counts.join(', ')}); continuing`;
};

const countByStatus = (children: readonly { status: string }[]): Record<string, number> =>
  children.reduce<Record<string, number>>((counts, c) => ({ ...counts, [c.status]: (counts[c.status] ?? 0) + 1 }), {});
