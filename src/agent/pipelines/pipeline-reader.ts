import { Inject, Injectable } from '@nestjs/common';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { PipelineNotFoundError } from '../errors/pipeline.errors.js';
import { AgentExecutionEntity } from '../executions/entities/agent-execution.entity.js';
import type { Page } from '../executions/http/execution-reader.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { Scope } from '../tenancy/scope.js';
import { AgentPipelineEntity } from './entities/agent-pipeline.entity.js';
import type { PipelineStatus } from './pipeline-status.js';
import { toPipelineView, type OwnedPipelineView, type PipelineView, type StageExecution } from './pipeline.view.js';

export interface PipelineFilter {
  status?: PipelineStatus;
  /** Id of the last pipeline of the previous page (ids are UUIDv7: time-ordered). */
  cursor?: string;
  limit?: number;
}

/** Pipelines with their stages' statuses, always scoped (foreign ids look exactly like missing ones). */
@Injectable()
export class PipelineReader {
  private readonly pipelines: Repository<AgentPipelineEntity>;
  private readonly executions: Repository<AgentExecutionEntity>;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.pipelines = database.dataSource.getRepository(AgentPipelineEntity);
    this.executions = database.dataSource.getRepository(AgentExecutionEntity);
  }

  async get(scope: Scope, id: string): Promise<PipelineView> {
    const pipeline = await this.find(scope, id);
    return toPipelineView(pipeline, await this.stageExecutions([pipeline]));
  }

  /** For admins: with its owner; `scope.userId` null = any user of the tenant. */
  async getWithOwner(scope: Scope, id: string): Promise<OwnedPipelineView> {
    const pipeline = await this.find(scope, id);
    return { ...toPipelineView(pipeline, await this.stageExecutions([pipeline])), user_id: pipeline.userId };
  }

  private async find(scope: Scope, id: string): Promise<AgentPipelineEntity> {
    const pipeline = await this.scoped(scope).andWhere('p.id = :id', { id }).getOne();
    if (!pipeline) throw new PipelineNotFoundError(id);
    return pipeline;
  }

  /** Newest first. */
  list(scope: Scope, filter: PipelineFilter): Promise<Page<PipelineView>> {
    return this.page(scope, filter, (p, executions) => toPipelineView(p, executions));
  }

  /** For admins: each with its owner; `scope.userId` null = every user of the tenant. */
  listWithOwners(scope: Scope, filter: PipelineFilter): Promise<Page<OwnedPipelineView>> {
    return this.page(scope, filter, (p, executions) => ({ ...toPipelineView(p, executions), user_id: p.userId }));
  }

  private async page<T>(
    scope: Scope,
    filter: PipelineFilter,
    toView: (pipeline: AgentPipelineEntity, executions: StageExecution[]) => T,
  ): Promise<Page<T>> {
    const limit = filter.limit ?? 50;
    const query = this.scoped(scope)
      .orderBy('p.id', 'DESC')
      .limit(limit + 1);
    if (filter.status) query.andWhere('p.status = :status', { status: filter.status });
    if (filter.cursor) query.andWhere('p.id < :cursor', { cursor: filter.cursor });
    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const executions = await this.stageExecutions(page);
    return {
      data: page.map((p) =>
        toView(
          p,
          executions.filter((e) => e.pipelineId === p.id),
        ),
      ),
      next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  /** The stage executions of pipelines already read (so already in scope), in one query. */
  async stageExecutions(pipelines: readonly AgentPipelineEntity[]): Promise<StageExecution[]> {
    if (pipelines.length === 0) return [];
    const rows = await this.executions
      .createQueryBuilder('e')
      .select(['e.id', 'e.pipelineId', 'e.stageIndex', 'e.status', 'e.metadata'])
      .where('e.pipeline_id IN (:...ids)', { ids: pipelines.map((p) => p.id) })
      // NOTE: the owner's tenant too, although the pipelines were read in scope: no query here is unscoped.
      .andWhere('e.tenant_id IN (:...tenants)', { tenants: [...new Set(pipelines.map((p) => p.tenantId))] })
      .orderBy('e.id', 'ASC')
      .getMany();
    return rows.map((e) => ({
      id: e.id,
      pipelineId: e.pipelineId,
      stageIndex: e.stageIndex ?? -1,
      stage: String(e.metadata.pipeline_stage ?? ''),
      status: e.status,
    }));
  }

  private scoped(scope: Scope): SelectQueryBuilder<AgentPipelineEntity> {
    const query = this.pipelines.createQueryBuilder('p').where('1 = 1');
    if (scope.tenantId !== null) query.andWhere('p.tenant_id = :tenantId', { tenantId: scope.tenantId });
    if (scope.userId !== null) query.andWhere('p.user_id = :userId', { userId: scope.userId });
    return query;
  }
}
