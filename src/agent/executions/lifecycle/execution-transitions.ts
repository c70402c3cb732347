import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient, QueryConfig } from 'pg';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { ExecutionNotFoundError, InvalidTransitionError } from '../../errors/agent.errors.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { AfterCommit } from '../../infrastructure/in-transaction.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { StepLog } from '../../runtime/step-context.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionEvents } from '../execution-events.js';
import { executionFromRow } from '../execution-row.js';
import type { ExecutionError, ExecutionStatus } from '../execution-status.js';
import { REQUEST_SIGNAL_SQL, TRANSITION_SQL } from './transition.sql.js';
import { publishTransition } from './transition-events.js';
import type { Scope } from '../../tenancy/scope.js';

export interface TransitionRequest {
  /** The verb, for the 409 message (`pause`, `resume`, …). */
  operation: string;
  from: readonly ExecutionStatus[];
  to: ExecutionStatus;
  log: StepLog;
  metadata?: JsonObject;
  error?: ExecutionError;
  /** Only if the lease epoch is still this one (a timer for one particular wait). */
  epoch?: number;
  /** Appended to the history as a user message (input). */
  userMessage?: JsonValue;
  /** Only if no tool call awaits approval (`metadata.pending_approvals` empty). */
  noPendingApprovals?: boolean;
}

/** THE guarded transition's statement, prepared once per connection. */
const transitionQuery = (id: string, scope: Scope, request: TransitionRequest): QueryConfig => ({
  name: 'agents_transition',
  text: TRANSITION_SQL,
  values: [
    id,
    scope.tenantId,
    scope.userId,
    request.from,
    request.to,
    JSON.stringify(request.metadata ?? {}),
    request.error ? JSON.stringify(request.error) : null,
    request.epoch ?? null,
    JSON.stringify({
      level: request.log.level,
      event_type: request.log.eventType,
      message: request.log.message,
      context: { ...request.log.context, status: request.to },
    }),
    request.userMessage === undefined ? null : JSON.stringify(request.userMessage),
    request.noPendingApprovals === true,
  ],
});

/** Status changes outside the runner's step commits, each one statement with exactly one winner. */
@Injectable()
export class ExecutionTransitions {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly events: ExecutionEvents,
  ) {
    this.pool = database.pool;
  }

  /** Throws `ExecutionNotFoundError` (foreign or missing) or `InvalidTransitionError` (with the current status). */
  async apply(id: string, scope: Scope, request: TransitionRequest): Promise<AgentExecutionEntity> {
    const result = await this.tryApply(id, scope, request);
    if (result.execution) return result.execution;
    if (result.currentStatus === null) throw new ExecutionNotFoundError(id);
    throw new InvalidTransitionError(request.operation, result.currentStatus);
  }

  /** Like `apply`, but reports a lost race instead of throwing. */
  async tryApply(
    id: string,
    scope: Scope,
    request: TransitionRequest,
  ): Promise<{ execution: AgentExecutionEntity | null; currentStatus: ExecutionStatus | null }> {
    const { rows } = await this.pool.query(transitionQuery(id, scope, request));
    const row = rows[0];
    if (!row.updated) return { execution: null, currentStatus: await this.statusAfterLostRace(id, scope, request, row.current_status) };
    const execution = executionFromRow(row.updated);
    publishTransition(this.events, execution, row.log);
    return { execution, currentStatus: execution.status };
  }

  /**
   * The same transition inside the caller's open transaction (a consequence committed with what
   * caused it, DESIGN rule 2); its events follow the commit. Null when it lost the race.
   */
  async tryApplyWithin(
    client: PoolClient,
    id: string,
    scope: Scope,
    request: TransitionRequest,
    afterCommit: (action: AfterCommit) => void,
  ): Promise<AgentExecutionEntity | null> {
    const { rows } = await client.query(transitionQuery(id, scope, request));
    const row = rows[0];
    if (!row.updated) return null;
    const execution = executionFromRow(row.updated);
    afterCommit(() => publishTransition(this.events, execution, row.log));
    return execution;
  }

  /**
   * The statement's snapshot predates a concurrent winner: a loser that waited on the row lock
   * still sees the old (allowed) status there, so the status it reports is read again.
   */
  private async statusAfterLostRace(
    id: string,
    scope: Scope,
    request: TransitionRequest,
    seen: ExecutionStatus | null,
  ): Promise<ExecutionStatus | null> {
    if (seen === null || !request.from.includes(seen)) return seen;
    const { rows } = await this.pool.query(
      'SELECT status FROM agent_executions WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR user_id = $3)',
      [id, scope.tenantId, scope.userId],
    );
    return rows[0]?.status ?? null;
  }

  /**
   * Records a signal for a running execution. Returns the execution as it is; throws when it is
   * missing, or not running (`InvalidTransitionError` with its status).
   */
  async requestSignal(
    id: string,
    scope: Scope,
    operation: string,
    signalType: string,
    payload: JsonValue = null,
  ): Promise<AgentExecutionEntity> {
    const { rows } = await this.pool.query(REQUEST_SIGNAL_SQL, [id, scope.tenantId, scope.userId, signalType, JSON.stringify(payload)]);
    const row = rows[0];
    if (!row.execution) throw new ExecutionNotFoundError(id);
    const execution = executionFromRow(row.execution);
    if (row.signal_id === null) throw new InvalidTransitionError(operation, execution.status);
    return execution;
  }
}
