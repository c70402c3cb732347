import { Inject, Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { Scope } from '../../tenancy/scope.js';
import { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { AgentMessageEntity } from '../entities/agent-message.entity.js';
import { ExecutionReader } from './execution-reader.js';
import { toTranscriptEntry, type TranscriptView } from './transcript.view.js';

export interface TranscriptPage {
  /** Messages after this `seq` (default: from the first). */
  afterSeq?: number;
  limit?: number;
}

/** An execution's messages (its own turn: a conversation's earlier turns are theirs), oldest first, in pages. */
@Injectable()
export class ExecutionTranscript {
  private readonly messages: Repository<AgentMessageEntity>;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly reader: ExecutionReader,
  ) {
    this.messages = database.dataSource.getRepository(AgentMessageEntity);
  }

  /** 404 for a foreign or missing execution, as every read. */
  async page(scope: Scope, executionId: string, page: TranscriptPage = {}): Promise<TranscriptView> {
    const execution = await this.reader.get(scope, executionId);
    const limit = page.limit ?? 100;
    // NOTE: scoped through the execution's tenant even after the check above: no query here is unscoped.
    const rows = await this.messages
      .createQueryBuilder('m')
      .innerJoin(AgentExecutionEntity, 'e', 'e.id = m.execution_id AND e.tenant_id = :tenantId', { tenantId: execution.tenantId })
      .where('m.execution_id = :id', { id: execution.id })
      .andWhere('m.seq > :after', { after: page.afterSeq ?? 0 })
      .orderBy('m.seq', 'ASC')
      .limit(limit + 1)
      .getMany();
    const data = rows.slice(0, limit).map(toTranscriptEntry);
    return { execution_id: execution.id, data, next_cursor: rows.length > limit ? String(data.at(-1)!.seq) : null };
  }
}
