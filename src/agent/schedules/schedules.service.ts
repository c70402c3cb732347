import { Inject, Injectable } from '@nestjs/common';
import { InputTooLargeError, QueueNotAllowedError, UnknownAgentTypeError } from '../errors/agent.errors.js';
import { InvalidRequestError } from '../errors/rate-limited.error.js';
import { ScheduleNotFoundError, ScheduleTransitionError } from '../errors/schedule.errors.js';
import type { ResolvedExecutionOptions } from '../executions/executions.options.js';
import { AgentRegistry } from '../executions/registry/agent-registry.js';
import { uuidv7 } from '../executions/uuid-v7.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { inTransaction } from '../infrastructure/in-transaction.js';
import type { QueueName } from '../infrastructure/queue-names.js';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import type { HookTarget } from '../runtime/hook-target.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import { assertStartHooks } from '../executions/lifecycle/start-hooks.js';
import type { Principal } from '../tenancy/principal.js';
import { allowedQueues } from '../tenancy/queue-selection.js';
import { scopeFor, type Scope } from '../tenancy/scope.js';
import { TierPolicies } from '../tenancy/tier-policies.js';
import { nextTick, parseCron } from './schedule-cron.js';
import { ScheduleStatus } from './schedule-status.js';
import { ScheduleTicks } from './schedule-ticks.js';
import type { ResolvedScheduleOptions } from './schedule.options.js';
import { toScheduleView, type ScheduleRow, type ScheduleView } from './schedule.view.js';
import {
  DELETE_SCHEDULE_SQL,
  INSERT_SCHEDULE_SQL,
  LIST_SCHEDULES_SQL,
  LOCK_SCHEDULE_SQL,
  SCOPED_SCHEDULE_SQL,
  SET_SCHEDULE_STATUS_SQL,
  UPDATE_SCHEDULE_SQL,
} from './schedules.sql.js';

export interface NewSchedule {
  agentType: string;
  input: JsonValue;
  /** 5 fields, or 6 with seconds first (`*\/10 * * * * *`). */
  cron: string;
  /** IANA name (default `schedules.defaultTimeZone`, UTC). */
  timeZone?: string;
  /** `null` or left out: the queue the agent type and tier choose. */
  queue?: QueueName | null;
  /** Copied to each execution's metadata, beside `schedule_id`. */
  metadata?: JsonObject;
  /** Create it paused (no tick until resumed). */
  paused?: boolean;
  /** Outbound hooks of each execution it starts (beside the agent type's). */
  hooks?: HookTarget[];
}

/** What an update changes; what it leaves out stays as it is. */
export interface ScheduleChanges {
  input?: JsonValue;
  cron?: string;
  timeZone?: string;
  /** `null`: back to the queue the agent type and tier choose. */
  queue?: QueueName | null;
  /** Replaces the metadata copied to each execution. */
  metadata?: JsonObject;
  /** Replaces the outbound hooks (`[]`: none). */
  hooks?: HookTarget[];
}

export interface ScheduleFilter {
  agentType?: string;
  /** Admins: one user's schedules. */
  userId?: string;
  status?: string;
  cursor?: string;
  limit?: number;
}

/**
 * Recurring starts of an agent type for a user: create, list, update, pause, resume, delete. The ticks
 * themselves are fired by `ScheduleTicks`; each starts an execution through the normal start path
 * (tier limits, budgets), as the user who created the schedule.
 * @example
 * await schedules.create(principal, { agentType: 'report', input: { period: 'day' }, cron: '0 7 * * 1-5', timeZone: 'Europe/Paris' });
 */
@Injectable()
export class ScheduleService {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    // NOTE: the hooks' SSRF switch is named by shape: the hooks folder is not below this one.
    @Inject(AGENT_OPTIONS)
    private readonly options: ResolvedScheduleOptions & ResolvedExecutionOptions & { hooks: { allowPrivateTargets: boolean } },
    private readonly registry: AgentRegistry,
    private readonly tiers: TierPolicies,
    private readonly ticks: ScheduleTicks,
  ) {
    this.pool = database.pool;
  }

  async create(principal: Principal, request: NewSchedule): Promise<ScheduleView> {
    const timeZone = request.timeZone ?? this.options.schedules.defaultTimeZone;
    const time = parseCron({ cron: request.cron, timeZone });
    if (!this.registry.get(request.agentType)) throw new UnknownAgentTypeError(request.agentType, this.registry.names());
    this.assertStartOptions(principal, request);
    const status = request.paused ? ScheduleStatus.Paused : ScheduleStatus.Active;
    const { rows } = await this.pool.query<ScheduleRow>(INSERT_SCHEDULE_SQL, [
      uuidv7(),
      principal.tenantId,
      principal.userId,
      principal.tier,
      JSON.stringify(principal.roles ?? []),
      request.agentType,
      JSON.stringify(request.input ?? null),
      request.queue ?? null,
      JSON.stringify(request.metadata ?? {}),
      request.cron,
      timeZone,
      status,
      status === ScheduleStatus.Active ? nextTick(time, new Date()) : null,
      JSON.stringify(request.hooks ?? []),
    ]);
    this.ticks.arm(rows[0]!);
    return toScheduleView(rows[0]!);
  }

  /** The caller's schedules; with `asAdmin` (and the admin role) the tenant's, or one user's (`filter.userId`). */
  async list(
    principal: Principal,
    filter: ScheduleFilter = {},
    asAdmin = false,
  ): Promise<{ data: ScheduleView[]; next_cursor: string | null }> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
    const scope = scopeFor(principal, asAdmin);
    const { rows } = await this.pool.query<ScheduleRow>(LIST_SCHEDULES_SQL, [
      scope.tenantId,
      scope.userId ?? filter.userId ?? null,
      filter.agentType ?? null,
      filter.status ?? null,
      filter.cursor ?? null,
      limit + 1,
    ]);
    const page = rows.slice(0, limit);
    return { data: page.map(toScheduleView), next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  async get(principal: Principal, id: string, asAdmin = false): Promise<ScheduleView> {
    return toScheduleView(await this.scoped(scopeFor(principal, asAdmin), id));
  }

  /**
   * Changes what the next ticks start, or when; the executions it already started, its counts and
   * its status stay. A new expression or zone moves an active schedule's next tick to the first of
   * the new one after now (a paused one resumes on it). Checked as at creation, against the tier
   * the schedule runs with; a refused change (400, 413) changes nothing.
   */
  async update(principal: Principal, id: string, changes: ScheduleChanges, asAdmin = false): Promise<ScheduleView> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new InvalidRequestError('Nothing to change: give input, cron, time_zone or options');
    }
    const scope = scopeFor(principal, asAdmin);
    const row = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<ScheduleRow>(LOCK_SCHEDULE_SQL, [id, scope.tenantId, scope.userId]);
      const current = rows[0];
      if (!current) throw new ScheduleNotFoundError(id);
      const cron = changes.cron ?? current.cron;
      const timeZone = changes.timeZone ?? current.time_zone;
      const retimed = cron !== current.cron || timeZone !== current.time_zone;
      const time = retimed ? parseCron({ cron, timeZone }) : null;
      const owner = { tenantId: current.tenant_id, userId: current.user_id, tier: current.tier, roles: current.roles };
      this.assertStartOptions(owner, changes);
      const updated = await client.query<ScheduleRow>(UPDATE_SCHEDULE_SQL, [
        id,
        JSON.stringify(changes.input !== undefined ? changes.input : current.input),
        changes.queue !== undefined ? changes.queue : current.queue,
        JSON.stringify(changes.metadata ?? current.metadata),
        JSON.stringify(changes.hooks ?? current.hooks),
        cron,
        timeZone,
        retimed,
        time && current.status === ScheduleStatus.Active ? nextTick(time, new Date()) : null,
      ]);
      return updated.rows[0]!;
    });
    this.ticks.arm(row);
    return toScheduleView(row);
  }

  /** No tick until resumed; an execution already started runs on. 409 when already paused. */
  pause(principal: Principal, id: string, asAdmin = false): Promise<ScheduleView> {
    return this.move(scopeFor(principal, asAdmin), id, 'pause', ScheduleStatus.Active, ScheduleStatus.Paused, () => null);
  }

  /** The next tick from now: ticks that fell while paused are not made up. 409 when active. */
  resume(principal: Principal, id: string, asAdmin = false): Promise<ScheduleView> {
    return this.move(scopeFor(principal, asAdmin), id, 'resume', ScheduleStatus.Paused, ScheduleStatus.Active, (row) =>
      nextTick({ cron: row.cron, timeZone: row.time_zone }, new Date()),
    );
  }

  /** Gone with its ticks; the executions it started are kept. */
  async delete(principal: Principal, id: string, asAdmin = false): Promise<void> {
    const scope = scopeFor(principal, asAdmin);
    const { rowCount } = await this.pool.query(DELETE_SCHEDULE_SQL, [id, scope.tenantId, scope.userId]);
    if (rowCount === 0) throw new ScheduleNotFoundError(id);
  }

  private async move(
    scope: Scope,
    id: string,
    operation: string,
    from: ScheduleStatus,
    to: ScheduleStatus,
    nextRunAt: (row: ScheduleRow) => Date | null,
  ): Promise<ScheduleView> {
    const row = await this.scoped(scope, id);
    const { rows } = await this.pool.query<ScheduleRow>(SET_SCHEDULE_STATUS_SQL, [
      id,
      scope.tenantId,
      scope.userId,
      to,
      nextRunAt(row),
      from,
    ]);
    if (!rows[0]) throw new ScheduleTransitionError(operation, (await this.scoped(scope, id)).status);
    this.ticks.arm(rows[0]);
    return toScheduleView(rows[0]);
  }

  /** The input's size, the queue against the tier, the hooks' targets: what a start would refuse. */
  private assertStartOptions(principal: Principal, request: Pick<ScheduleChanges, 'input' | 'queue' | 'hooks'>): void {
    const bytes = Buffer.byteLength(JSON.stringify(request.input ?? null));
    if (bytes > this.options.api.maxInputBytes) throw new InputTooLargeError(bytes, this.options.api.maxInputBytes);
    if (request.queue) {
      const allowed = allowedQueues(this.tiers.for(principal));
      if (!allowed.includes(request.queue)) throw new QueueNotAllowedError(request.queue, allowed);
    }
    assertStartHooks(request.hooks ?? [], this.options.hooks.allowPrivateTargets);
  }

  private async scoped(scope: Scope, id: string): Promise<ScheduleRow> {
    const { rows } = await this.pool.query<ScheduleRow>(SCOPED_SCHEDULE_SQL, [id, scope.tenantId, scope.userId]);
    if (!rows[0]) throw new ScheduleNotFoundError(id);
    return rows[0];
  }
}
