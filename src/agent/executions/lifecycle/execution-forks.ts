import { Inject, Injectable } from '@nestjs/common';
import { ExecutionNotFoundError } from '../../errors/agent.errors.js';
import { InvalidRequestError } from '../../errors/rate-limited.error.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { inTransaction } from '../../infrastructure/in-transaction.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { Principal } from '../../tenancy/principal.js';
import type { Scope } from '../../tenancy/scope.js';
import { COPY_FORK_HISTORY_SQL, FORK_SOURCE_SQL } from './execution-forks.sql.js';
import { StartAdmission, type Admitted } from './start-admission.js';
import { StartPreparation } from './start-preparation.js';

/** Where a fork starts: a committed step of an execution (0: before its first step), and what it changes. */
export interface ForkRequest {
  step: number;
  /** Replaces the original's input (default: the original's input). */
  input?: JsonValue;
  metadata?: JsonObject;
}

interface ForkSource {
  id: string;
  agent_type: string;
  agent_version: string;
  input: JsonValue;
  step_count: number;
  conversation_id: string | null;
  parent_execution_id: string | null;
  /** The message count after the step (null: no checkpoint row for it). */
  at_step: number | null;
  state: JsonObject | null;
}

/**
 * Replay and fork: a new execution that starts from the state an existing one had after step N
 * (its messages up to N and its data as of N, rebuilt from the append-only messages and
 * checkpoints), linked to it, admitted as any start (tenancy, tier limits, budgets).
 */
@Injectable()
export class ExecutionForks {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly preparation: StartPreparation,
    private readonly admission: StartAdmission,
  ) {
    this.pool = database.pool;
  }

  async fork(principal: Principal, sourceId: string, request: ForkRequest, scope: Scope): Promise<Admitted> {
    const step = request.step;
    if (!Number.isInteger(step) || step < 0) throw new InvalidRequestError('step must be an integer ≥ 0 (0: before the first step)');
    const { rows } = await this.pool.query<ForkSource>(FORK_SOURCE_SQL, [sourceId, scope.tenantId, scope.userId, step]);
    const source = rows[0];
    if (!source) throw new ExecutionNotFoundError(sourceId);
    // NOTE: a turn's history is its conversation's and a subagent's belongs to its parent: neither stands alone.
    if (source.conversation_id) throw new InvalidRequestError('A conversation turn cannot be forked: its history is the conversation’s');
    if (source.parent_execution_id) throw new InvalidRequestError('A subagent’s execution cannot be forked: fork its parent');
    if (step > source.step_count) {
      throw new InvalidRequestError(`step ${step} is beyond execution ${sourceId}, which has committed ${source.step_count} steps`);
    }
    if (step > 0 && source.at_step === null) {
      throw new InvalidRequestError(
        `Step ${step} of execution ${sourceId} was committed before checkpoints were kept: it cannot be rebuilt`,
      );
    }
    const messageCount = step === 0 ? 0 : source.at_step!;
    const input = request.input === undefined ? source.input : request.input;
    const prepared = await this.preparation.prepare(principal, source.agent_type, input, { metadata: request.metadata });
    // The checkpoint was written by the original's version: the fork runs that version too.
    const row = {
      ...prepared.row,
      agentVersion: source.agent_version,
      fork: { executionId: source.id, step, messageCount, state: step === 0 ? {} : (source.state ?? {}) },
    };
    return inTransaction(this.pool, async (client) => {
      const admitted = await this.admission.admitWithin(client, principal, prepared.tier, row);
      await client.query(COPY_FORK_HISTORY_SQL, [admitted.execution.id, source.id, step, messageCount]);
      return admitted;
    });
  }
}
