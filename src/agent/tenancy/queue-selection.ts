import { QueueNotAllowedError } from '../errors/agent.errors.js';
import { QueueName } from '../infrastructure/queue-names.js';
import type { TierPolicy } from './tier-policy.js';

export interface QueueChoice {
  /** `options.queue` of the start, if any. */
  explicit?: QueueName;
  /** The agent type's own queue, and whether the type set it (rather than inheriting the default). */
  agentQueue: QueueName;
  agentQueueIsDefault: boolean;
  estimatedSteps?: number;
  tier: TierPolicy & { name: string };
}

/** Long runs go to the long queue; more than this many expected steps counts as long. */
export const LONG_RUN_STEPS = 50;

/**
 * SPEC §8, in order: an allowed explicit queue; a long agent type or `estimated_steps > 50` →
 * `agents-long`; a type with a queue of its own → that; otherwise the tier's queue (enterprise →
 * `agents-priority`). The priority queue is only for tiers whose queue it is.
 */
export function selectQueue(choice: QueueChoice): QueueName {
  const allowed = allowedQueues(choice.tier);
  if (choice.explicit) {
    if (!allowed.includes(choice.explicit)) throw new QueueNotAllowedError(choice.explicit, allowed);
    return choice.explicit;
  }
  if (choice.agentQueue === QueueName.Long) return QueueName.Long;
  if ((choice.estimatedSteps ?? 0) > LONG_RUN_STEPS) return QueueName.Long;
  if (!choice.agentQueueIsDefault) return choice.agentQueue;
  return choice.tier.queue;
}

export function allowedQueues(tier: TierPolicy): QueueName[] {
  return tier.queue === QueueName.Priority ? [QueueName.Default, QueueName.Long, QueueName.Priority] : [QueueName.Default, QueueName.Long];
}
