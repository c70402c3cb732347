import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AgentError } from '../errors/agent.errors.js';
import { AgentManager } from '../executions/lifecycle/agent-manager.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { inTransaction } from '../infrastructure/in-transaction.js';
import type { QueueName } from '../infrastructure/queue-names.js';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import { nextTick } from './schedule-cron.js';
import type { ResolvedScheduleOptions } from './schedule.options.js';
import type { ScheduleRow } from './schedule.view.js';
import {
  CLAIMABLE_TICK_SQL,
  CLAIM_TICK_SQL,
  DUE_SCHEDULES_SQL,
  RECORD_TICK_REFUSED_SQL,
  RECORD_TICK_STARTED_SQL,
} from './schedules.sql.js';

/** What firing a tick did: started an execution, was refused (recorded on the schedule), or lost the claim to another node. */
export type TickOutcome = { started: string } | { refused: { code: string; message: string } } | { claimed: false };

/**
 * Fires the schedules' ticks. Every node with `schedules.ticks` looks every `pollIntervalMs` for
 * ticks due before its next look and times each to its second; the claim in PostgreSQL
 * (`CLAIMABLE_TICK_SQL`, then `CLAIM_TICK_SQL`) lets one node start the tick's execution, in the
 * same transaction, so a crash leaves either both or neither. The look is also the sweep: a tick
 * whose timer died with its node is due, and found by any node's next look.
 *
 * A node that dies in the middle of a claim leaves the tick due: the others skip a row being
 * claimed, so it is fired again by the next look, up to `pollIntervalMs` late.
 *
 * Missed ticks: those of the last two poll intervals (a claim rolled back with the node that made
 * it, while another node was up) all run, one after the other; of a longer gap (every node down)
 * the oldest missed tick runs once when a node comes back, the others are skipped, and the next
 * tick is the first one after now.
 */
@Injectable()
export class ScheduleTicks implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AgentSchedules');
  private readonly pool: SqlPool;
  /** Per schedule, the tick a timer is set for. */
  private readonly armed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly firing = new Set<Promise<unknown>>();
  private poller: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedScheduleOptions,
    private readonly manager: AgentManager,
  ) {
    this.pool = database.pool;
  }

  onApplicationBootstrap(): void {
    if (!this.options.schedules.ticks) return;
    this.running = true;
    void this.poll();
    this.poller = setInterval(() => void this.poll(), this.options.schedules.pollIntervalMs);
    this.poller.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    for (const { timer } of this.armed.values()) clearTimeout(timer);
    this.armed.clear();
    await Promise.allSettled([...this.firing]);
  }

  /** Arms the ticks due before the next look; returns how many it found. */
  async poll(): Promise<number> {
    if (!this.running) return 0;
    try {
      const horizon = new Date(Date.now() + this.options.schedules.pollIntervalMs);
      const { rows } = await this.pool.query<Pick<ScheduleRow, 'id' | 'next_run_at'>>(DUE_SCHEDULES_SQL, [
        horizon,
        this.options.schedules.pollBatchSize,
      ]);
      for (const row of rows) this.arm(row);
      return rows.length;
    } catch (error) {
      this.logger.error(`Looking for due schedules failed: ${(error as Error).message}`);
      return 0;
    }
  }

  /** Times the schedule's next tick if it falls before the next look (a created or resumed schedule needs no wait). */
  arm(row: Pick<ScheduleRow, 'id' | 'next_run_at'>): void {
    if (!this.running) return;
    const current = this.armed.get(row.id);
    const at = row.next_run_at?.getTime() ?? null;
    if (current && current.at === at) return;
    if (current) clearTimeout(current.timer);
    this.armed.delete(row.id);
    if (at === null || at > Date.now() + this.options.schedules.pollIntervalMs) return;
    const timer = setTimeout(
      () => {
        this.armed.delete(row.id);
        const fired = this.fire(row.id, new Date(at))
          .catch((error: Error) => this.logger.error(`Tick of schedule ${row.id} failed: ${error.message}`, error.stack))
          .finally(() => this.firing.delete(fired));
        this.firing.add(fired);
      },
      Math.max(0, at - Date.now()),
    );
    this.armed.set(row.id, { at, timer });
  }

  /**
   * Claims the tick and starts its execution in one transaction. A refused start (tier limits,
   * budget, an agent type no longer deployed) is recorded on the schedule and the tick is spent;
   * any other error rolls the claim back, so the next look tries the tick again.
   */
  async fire(id: string, tick: Date): Promise<TickOutcome> {
    return inTransaction(this.pool, async (client, afterCommit) => {
      const spec = (await client.query<{ cron: string; time_zone: string }>(CLAIMABLE_TICK_SQL, [id, tick])).rows[0];
      if (!spec) return { claimed: false };
      const following = followingTick({ cron: spec.cron, timeZone: spec.time_zone }, tick, this.options.schedules.pollIntervalMs);
      const schedule = (await client.query<ScheduleRow>(CLAIM_TICK_SQL, [id, tick, following])).rows[0]!;
      await client.query('SAVEPOINT schedule_tick');
      try {
        const principal = { tenantId: schedule.tenant_id, userId: schedule.user_id, tier: schedule.tier, roles: schedule.roles };
        const metadata: JsonObject = { ...(schedule.metadata as JsonObject), schedule_id: id, schedule_tick: tick.toISOString() };
        const started = await this.manager.startWithin(client, principal, schedule.agent_type, schedule.input as JsonValue, {
          queue: (schedule.queue as QueueName | null) ?? undefined,
          metadata,
          hooks: schedule.hooks.length > 0 ? schedule.hooks : undefined,
        });
        await client.query(RECORD_TICK_STARTED_SQL, [id, started.execution.id]);
        afterCommit(started.afterCommit);
        afterCommit(() => this.arm(schedule));
        return { started: started.execution.id };
      } catch (error) {
        if (!(error instanceof AgentError)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT schedule_tick');
        const refused = { code: error.code, message: error.message };
        await client.query(RECORD_TICK_REFUSED_SQL, [id, JSON.stringify({ ...refused, at: new Date().toISOString() })]);
        afterCommit(() => this.arm(schedule));
        return { refused };
      }
    });
  }
}

/**
 * The tick after `tick`: the next one in the cron, unless that is older than two poll intervals
 * (the schedule missed more than a node's hiccup: every node was down), then the first after now.
 */
function followingTick(spec: { cron: string; timeZone: string }, tick: Date, pollIntervalMs: number): Date {
  const next = nextTick(spec, tick);
  return next.getTime() >= Date.now() - 2 * pollIntervalMs ? next : nextTick(spec, new Date());
}
