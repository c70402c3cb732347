import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ExecutionEventName, ExecutionEvents } from '../executions/execution-events.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { retryDelayMs } from './hook-backoff.js';
import { CLAIM_DUE_DELIVERIES_SQL, RECORD_ATTEMPT_FAILED_SQL, RECORD_DELIVERED_SQL } from './hook-deliveries.sql.js';
import { sendHook } from './hook-sender.js';
import { signatureHeaders } from './hook-signature.js';
import type { ResolvedHookOptions } from './hook.options.js';

const BATCH = 50;
const HOOK_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'awaiting_input']);

interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  url: string;
  payload: unknown;
  attempts: number;
}

/**
 * Sends the outbox's deliveries: every node with `hooks.deliver` claims due rows (`SKIP LOCKED`)
 * every `pollIntervalMs`, and at once when an execution on this node reaches a status that owes
 * one. At least once: a receiver may see a delivery again (same `webhook-id`) when a node dies
 * between the call and its record.
 */
@Injectable()
export class HookDeliveries implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AgentHooks');
  private readonly pool: SqlPool;
  private poller: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private running = false;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedHookOptions,
    private readonly events: ExecutionEvents,
  ) {
    this.pool = database.pool;
  }

  onApplicationBootstrap(): void {
    if (!this.options.hooks.deliver) return;
    this.running = true;
    this.stopListening = this.events.subscribe((event) => {
      if (event.name === ExecutionEventName.StatusChanged && HOOK_STATUSES.has(event.status)) this.poll();
    });
    this.poller = setInterval(() => this.poll(), this.options.hooks.pollIntervalMs);
    this.poller.unref();
    this.poll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.stopListening?.();
    if (this.poller) clearInterval(this.poller);
    for (const timer of this.timers) clearTimeout(timer);
    await this.polling;
  }

  /** Starts a look for due deliveries, or asks the one in progress to look again when it ends. */
  poll(): void {
    if (!this.running) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.deliverDue()
      .then(() => undefined)
      .catch((error: Error) => this.logger.error(`Delivering hooks failed: ${error.message}`))
      .finally(() => {
        this.polling = null;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.poll();
        }
      });
  }

  /** Claims and sends due deliveries until none is left; returns how many were attempted. */
  async deliverDue(): Promise<number> {
    const { timeoutMs } = this.options.hooks;
    let attempted = 0;
    for (;;) {
      const { rows } = await this.pool.query<ClaimedDelivery>(CLAIM_DUE_DELIVERIES_SQL, [BATCH, timeoutMs * 2 + 5000]);
      await Promise.all(rows.map((row) => this.attempt(row)));
      attempted += rows.length;
      if (rows.length < BATCH || !this.running) return attempted;
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { hooks } = this.options;
    const started = Date.now();
    const secret = await hooks.secretFor(delivery.tenant_id);
    const body = JSON.stringify(delivery.payload);
    const result = secret
      ? await sendHook(delivery.url, body, { ...signatureHeaders(secret, delivery.id, body), 'user-agent': 'nestjs-agents-hooks' }, hooks)
      : { error: `no signing secret for tenant ${delivery.tenant_id} (hooks.secret)`, permanent: true };
    const statusCode = 'statusCode' in result ? result.statusCode : null;
    const error =
      'error' in result ? result.error : statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : null;
    const entry = JSON.stringify([
      { at: new Date(started).toISOString(), status_code: statusCode, error, duration_ms: Date.now() - started },
    ]);
    if (!error) {
      await this.pool.query(RECORD_DELIVERED_SQL, [delivery.id, delivery.attempts, statusCode, entry]);
      return;
    }
    const delay = retryDelayMs(delivery.attempts, hooks.baseDelayMs, hooks.maxDelayMs);
    const permanent = 'permanent' in result && result.permanent === true;
    await this.pool.query(RECORD_ATTEMPT_FAILED_SQL, [
      delivery.id,
      delivery.attempts,
      delay,
      statusCode,
      hooks.maxAttempts,
      error,
      permanent,
      entry,
    ]);
    // A retry sooner than the next look is timed here; the look finds it anyway.
    if (!permanent && delay < hooks.pollIntervalMs && this.running) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.poll();
      }, delay + 5);
      this.timers.add(timer);
    }
  }
}
