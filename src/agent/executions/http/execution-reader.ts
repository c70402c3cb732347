import { Inject, Injectable } from '@nestjs/common';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import { ExecutionNotFoundError } from '../../errors/agent.errors.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { Scope } from '../../tenancy/scope.js';
import { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { AgentLogEntity } from '../entities/agent-log.entity.js';
import { executionFromRow } from '../execution-row.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { listExecutionsQuery, type ExecutionFilter } from './execution-list-query.js';

export type { ExecutionFilter } from './execution-list-query.js';

export interface LogFilter {
  level?: string;
  eventType?: string;
  afterId?: number;
  limit?: number;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Reads, always scoped (foreign ids look exactly like missing ones). */
@Injectable()
export class ExecutionReader {
  private readonly executions: Repository<AgentExecutionEntity>;
  private readonly logs: Repository<AgentLogEntity>;
  private readonly pool: SqlPool;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.pool = database.pool;
    this.executions = database.dataSource.getRepository(AgentExecutionEntity);
    this.logs = database.dataSource.getRepository(AgentLogEntity);
  }

  async get(scope: Scope, id: string): Promise<AgentExecutionEntity> {
    const execution = await this.scoped(scope).andWhere('e.id = :id', { id }).getOne();
    if (!execution) throw new ExecutionNotFoundError(id);
    return execution;
  }

  /** Newest first (see `listExecutionsQuery`). */
  async list(scope: Scope, filter: ExecutionFilter): Promise<Page<AgentExecutionEntity>> {
    const limit = filter.limit ?? 50;
    const { text, values } = listExecutionsQuery(scope, filter, limit + 1);
    const { rows } = await this.pool.query<Record<string, unknown>>(text, values);
    const data = rows.slice(0, limit).map(executionFromRow);
    return { data, next_cursor: rows.length > limit ? data[data.length - 1]!.id : null };
  }

  /**
   * The executions of a conversation (its turns) or of a pipeline (its stages), oldest first: the
   * newest `limit` of them, `truncated` when there are older ones.
   */
  async linked(
    scope: Scope,
    link: { conversationId: string } | { pipelineId: string },
    limit: number,
  ): Promise<{ executions: AgentExecutionEntity[]; truncated: boolean }> {
    const query = this.scoped(scope)
      .orderBy('e.id', 'DESC')
      .limit(limit + 1);
    if ('conversationId' in link) query.andWhere('e.conversation_id = :conversation', { conversation: link.conversationId });
    else query.andWhere('e.pipeline_id = :pipeline', { pipeline: link.pipelineId });
    const rows = await query.getMany();
    return { executions: rows.slice(0, limit).reverse(), truncated: rows.length > limit };
  }

  /** Number of logs per execution, for lists. */
  async logCounts(scope: Scope & { tenantId: string }, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows: { execution_id: string; n: number }[] = await this.logs
      .createQueryBuilder('l')
      .innerJoin(AgentExecutionEntity, 'e', 'e.id = l.execution_id AND e.tenant_id = :tenantId', { tenantId: scope.tenantId })
      .select('l.execution_id', 'execution_id')
      .addSelect('count(*)::int', 'n')
      .where('l.execution_id IN (:...ids)', { ids })
      .groupBy('l.execution_id')
      .getRawMany();
    return new Map(rows.map((r) => [r.execution_id, r.n]));
  }

  /** Oldest first from `afterId`; the cursor is the last id returned. 404 for a foreign execution. */
  async logsOf(scope: Scope, executionId: string, filter: LogFilter): Promise<Page<AgentLogEntity>> {
    await this.get(scope, executionId);
    return this.logsAfter(scope, executionId, filter);
  }

  /** Like `logsOf` without the existence check (an unknown or foreign execution just has no logs). */
  async logsAfter(scope: Scope, executionId: string, filter: LogFilter): Promise<Page<AgentLogEntity>> {
    const limit = filter.limit ?? 100;
    // NOTE: scoped through the execution even when the caller checked access: no query here is unscoped.
    const query = this.logs
      .createQueryBuilder('l')
      .innerJoin(AgentExecutionEntity, 'e', 'e.id = l.execution_id')
      .where('l.execution_id = :executionId', { executionId })
      .orderBy('l.id', 'ASC')
      .limit(limit + 1);
    if (scope.tenantId !== null) query.andWhere('e.tenant_id = :tenantId', { tenantId: scope.tenantId });
    if (scope.userId !== null) query.andWhere('e.user_id = :userId', { userId: scope.userId });
    if (filter.afterId !== undefined) query.andWhere('l.id > :afterId', { afterId: filter.afterId });
    if (filter.level) query.andWhere('l.level = :level', { level: filter.level });
    if (filter.eventType) query.andWhere('l.event_type = :eventType', { eventType: filter.eventType });
    const rows = await query.getMany();
    const data = rows.slice(0, limit);
    return { data, next_cursor: rows.length > limit ? String(data[data.length - 1]!.id) : null };
  }

  /** The newest `count` logs of an execution `get` returned, oldest first. */
  async latestLogs(execution: AgentExecutionEntity, count: number): Promise<AgentLogEntity[]> {
    const rows = await this.logs
      .createQueryBuilder('l')
      .innerJoin(AgentExecutionEntity, 'e', 'e.id = l.execution_id AND e.tenant_id = :tenantId', { tenantId: execution.tenantId })
      .where('l.execution_id = :id', { id: execution.id })
      .orderBy('l.id', 'DESC')
      .limit(count)
      .getMany();
    return rows.reverse();
  }

  private scoped(scope: Scope): SelectQueryBuilder<AgentExecutionEntity> {
    const query = this.executions.createQueryBuilder('e').where('1 = 1');
    if (scope.tenantId !== null) query.andWhere('e.tenant_id = :tenantId', { tenantId: scope.tenantId });
    if (scope.userId !== null) query.andWhere('e.user_id = :userId', { userId: scope.userId });
    return query;
  }
}
