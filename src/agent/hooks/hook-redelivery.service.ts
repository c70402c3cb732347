import { Inject, Injectable } from '@nestjs/common';
import { ExecutionNotFoundError } from '../errors/agent.errors.js';
import { HookDeliveryNotFoundError, HookDeliveryTransitionError } from '../errors/hook.errors.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { Scope } from '../tenancy/scope.js';
import { HookDeliveries } from './hook-deliveries.js';
import { REDELIVER_FAILED_SQL } from './hook-deliveries.sql.js';
import { toHookDeliveryView, type HookDeliveryRow, type HookDeliveryView } from './hook-delivery.view.js';

/** The delivery's columns are all null unless it was redelivered (`id` tells). */
interface RedeliverRow extends Omit<HookDeliveryRow, 'id'> {
  id: string | null;
  /** What the delivery was when locked; null: the execution has no such delivery. */
  found_status: string | null;
}

/**
 * Sends a failed delivery again, for those who may see its execution: due at once, with the same
 * `webhook-id`, its attempts going on from where they stopped (the delivery worker's retry rules
 * apply from there). One guarded statement: of two redeliveries at once, one wins and the other is 409.
 */
@Injectable()
export class HookRedelivery {
  constructor(
    @Inject(AGENTS_DATABASE) private readonly database: AgentsDatabase,
    private readonly deliveries: HookDeliveries,
  ) {}

  /**
   * The delivery, `pending` and due now. Throws `ExecutionNotFoundError` (404) for an execution the
   * scope cannot see, `HookDeliveryNotFoundError` (404) for a delivery that is not the execution's,
   * `HookDeliveryTransitionError` (409, `current_status`) for one that is pending or delivered.
   */
  async redeliver(scope: Scope, executionId: string, deliveryId: string): Promise<HookDeliveryView> {
    const { rows } = await this.database.pool.query<RedeliverRow>(REDELIVER_FAILED_SQL, [
      deliveryId,
      executionId,
      scope.tenantId,
      scope.userId,
    ]);
    const row = rows[0];
    if (!row) throw new ExecutionNotFoundError(executionId);
    if (row.found_status === null) throw new HookDeliveryNotFoundError(executionId, deliveryId);
    if (row.id === null) throw new HookDeliveryTransitionError('redeliver', row.found_status);
    // Sent from this node at once when it delivers; any other node's next look finds it otherwise.
    this.deliveries.poll();
    return toHookDeliveryView({ ...row, id: row.id });
  }
}
