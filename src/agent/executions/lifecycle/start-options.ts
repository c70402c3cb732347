import type { QueueName } from '../../infrastructure/queue-names.js';
import type { JsonObject } from '../../runtime/json.js';

export interface StartOptions {
  queue?: QueueName;
  metadata?: JsonObject;
  /** A second start with the same key (same user) returns the first execution instead of a new one. */
  idempotencyKey?: string;
  /** Run at this time (`scheduled` until then, no worker held); a time in the past runs now. */
  runAt?: Date;
  /** Start parked, waiting for this event (see `EventTriggerService.triggerEvent`). */
  awaitEvent?: { eventType: string; timeoutSeconds?: number };
  /** More than 50 expected steps → the long queue. */
  estimatedSteps?: number;
  /**
   * At most `limit` executions of the tenant with this `key` (a customer, a document, …) run at
   * once; this one waits `scheduled`, holding no worker, until one of them ends (oldest first).
   */
  concurrency?: ConcurrencyKey;
}

export interface ConcurrencyKey {
  key: string;
  limit: number;
}
