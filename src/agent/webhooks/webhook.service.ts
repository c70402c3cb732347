import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedWebhookOptions } from './webhook.options.js';
import { UnauthenticatedError } from '../errors/agent.errors.js';
import type { JsonValue } from '../runtime/json.js';
import { EventTriggerService, type TriggerResult, type WokenRow } from '../executions/lifecycle/event-trigger.service.js';
import { CLAIM_DELIVERY_SQL, DELIVERY_RESULT_SQL, RECORD_RESULT_SQL } from './webhook-deliveries.sql.js';
import { isValidSignature } from './webhook-signature.js';

export interface WebhookHeaders {
  tenant?: string;
  timestamp?: string;
  delivery?: string;
  signature?: string;
}

export interface WebhookEvent {
  event_type: string;
  payload?: JsonValue;
  user_id?: string;
  execution_id?: string;
}

/**
 * Signed webhooks that trigger events. Every authentication failure looks the same to the
 * caller (no detail that helps a forger). A delivery id is claimed in the same transaction as
 * the trigger, so a replay — even a concurrent one — triggers nothing and gets the first answer.
 */
@Injectable()
export class WebhookService {
  constructor(
    private readonly triggers: EventTriggerService,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedWebhookOptions,
  ) {}

  async authenticate(headers: WebhookHeaders, rawBody: Buffer): Promise<{ tenantId: string; deliveryId: string }> {
    const { tenant, delivery } = headers;
    if (!tenant || !delivery || delivery.length > 200) throw new UnauthenticatedError();
    const secret = await this.options.webhooks.secretFor(tenant);
    if (
      !secret ||
      !isValidSignature(
        { timestamp: headers.timestamp, signature: headers.signature, rawBody },
        secret,
        this.options.webhooks.toleranceSeconds,
      )
    ) {
      throw new UnauthenticatedError();
    }
    return { tenantId: tenant, deliveryId: delivery };
  }

  async deliver(tenantId: string, deliveryId: string, event: WebhookEvent): Promise<TriggerResult> {
    let woken: WokenRow[] = [];
    const result = await this.triggers.inTransaction(async (client) => {
      const claimed = await client.query(CLAIM_DELIVERY_SQL, [tenantId, deliveryId]);
      if (claimed.rowCount === 0) {
        const previous = await client.query<{ result: TriggerResult }>(DELIVERY_RESULT_SQL, [tenantId, deliveryId]);
        return previous.rows[0]!.result;
      }
      const wake = await this.triggers.wake(client, event.event_type, event.payload ?? null, {
        tenantId,
        userId: event.user_id,
        executionId: event.execution_id,
      });
      woken = wake.woken;
      const answer = { triggered_count: wake.result.triggered_count };
      await client.query(RECORD_RESULT_SQL, [tenantId, deliveryId, JSON.stringify(answer)]);
      return answer;
    });
    await this.triggers.afterWake(woken);
    return result;
  }
}
