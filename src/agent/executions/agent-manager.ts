import { Inject, Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { InputTooLargeError, UnknownAgentTypeError } from '../errors/agent.errors.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import type { QueueName } from '../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import type { Principal } from '../tenancy/principal.js';
import { AgentRegistry } from './agent-registry.js';
import { AgentExecutionEntity } from './entities/agent-execution.entity.js';
import { ExecutionStatus } from './execution-status.js';
import { uuidv7 } from './uuid-v7.js';

export interface StartOptions {
  queue?: QueueName;
  metadata?: JsonObject;
  /** A second start with the same key (same user) returns the first execution instead of a new one. */
  idempotencyKey?: string;
}

/**
 * The public service for controlling executions.
 * @example
 * const execution = await agents.start(principal, 'code-assistant', { prompt: 'list files' });
 */
@Injectable()
export class AgentManager {
  private readonly executions: Repository<AgentExecutionEntity>;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
    private readonly registry: AgentRegistry,
    private readonly queue: ExecutionQueue,
  ) {
    this.executions = database.dataSource.getRepository(AgentExecutionEntity);
  }

  async start(principal: Principal, agentType: string, input: JsonValue, options: StartOptions = {}): Promise<AgentExecutionEntity> {
    const agent = this.registry.get(agentType);
    if (!agent) throw new UnknownAgentTypeError(agentType, this.registry.names());
    const bytes = Buffer.byteLength(JSON.stringify(input ?? null));
    if (bytes > this.options.api.maxInputBytes) throw new InputTooLargeError(bytes, this.options.api.maxInputBytes);

    const queue = options.queue ?? agent.queue;
    const id = uuidv7();
    await this.executions
      .createQueryBuilder()
      .insert()
      .values({
        id,
        tenantId: principal.tenantId,
        userId: principal.userId,
        agentType,
        status: ExecutionStatus.Pending,
        queue,
        input: input ?? {},
        metadata: (options.metadata ?? {}) as object,
        idempotencyKey: options.idempotencyKey ?? null,
      })
      .orIgnore() // a repeated idempotency key inserts nothing
      .execute();
    const created = await this.executions.findOneBy({ id });
    if (!created) return this.byIdempotencyKey(principal, options.idempotencyKey!);
    await this.queue.enqueue(id, queue, { continuation: 0 });
    return created;
  }

  private async byIdempotencyKey(principal: Principal, key: string): Promise<AgentExecutionEntity> {
    return this.executions.findOneByOrFail({ tenantId: principal.tenantId, userId: principal.userId, idempotencyKey: key });
  }
}
