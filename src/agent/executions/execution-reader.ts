import { Inject, Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { Principal } from '../tenancy/principal.js';
import { ExecutionNotFoundError } from '../errors/agent.errors.js';
import { AgentExecutionEntity } from './entities/agent-execution.entity.js';
import { AgentLogEntity } from './entities/agent-log.entity.js';
import type { ExecutionStatus } from './execution-status.js';

export interface ExecutionFilter {
  status?: ExecutionStatus;
  agentType?: string;
  /** Id of the last item of the previous page (ids are UUIDv7: time-ordered). */
  cursor?: string;
  limit?: number;
}

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

/** Reads, always scoped to the principal's own executions (foreign ids look like missing ones). */
@Injectable()
export class ExecutionReader {
  private readonly executions: Repository<AgentExecutionEntity>;
  private readonly logs: Repository<AgentLogEntity>;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.executions = database.dataSource.getRepository(AgentExecutionEntity);
    this.logs = database.dataSource.getRepository(AgentLogEntity);
  }

  async get(principal: Principal, id: string): Promise<AgentExecutionEntity> {
    const execution = await this.executions.findOneBy({ id, tenantId: principal.tenantId, userId: principal.userId });
    if (!execution) throw new ExecutionNotFoundError(id);
    return execution;
  }

  async list(principal: Principal, filter: ExecutionFilter): Promise<Page<AgentExecutionEntity>> {
    const limit = filter.limit ?? 50;
    const query = this.executions
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId AND e.user_id = :userId', { tenantId: principal.tenantId, userId: principal.userId })
      .orderBy('e.id', 'DESC')
      .limit(limit + 1);
    if (filter.status) query.andWhere('e.status = :status', { status: filter.status });
    if (filter.agentType) query.andWhere('e.agent_type = :agentType', { agentType: filter.agentType });
    if (filter.cursor) query.andWhere('e.id < :cursor', { cursor: filter.cursor });
    const rows = await query.getMany();
    const data = rows.slice(0, limit);
    return { data, next_cursor: rows.length > limit ? data[data.length - 1]!.id : null };
  }

  /** Oldest first from `afterId`; the cursor is the last id returned. */
  async logsOf(principal: Principal, executionId: string, filter: LogFilter): Promise<Page<AgentLogEntity>> {
    await this.get(principal, executionId);
    const limit = filter.limit ?? 100;
    const query = this.logs
      .createQueryBuilder('l')
      .where('l.execution_id = :executionId', { executionId })
      .orderBy('l.id', 'ASC')
      .limit(limit + 1);
    if (filter.afterId !== undefined) query.andWhere('l.id > :afterId', { afterId: filter.afterId });
    if (filter.level) query.andWhere('l.level = :level', { level: filter.level });
    if (filter.eventType) query.andWhere('l.event_type = :eventType', { eventType: filter.eventType });
    const rows = await query.getMany();
    const data = rows.slice(0, limit);
    return { data, next_cursor: rows.length > limit ? String(data[data.length - 1]!.id) : null };
  }

  /** The newest `count` logs, returned oldest first. */
  async latestLogs(executionId: string, count: number): Promise<AgentLogEntity[]> {
    const rows = await this.logs.find({ where: { executionId }, order: { id: 'DESC' }, take: count });
    return rows.reverse();
  }
}
