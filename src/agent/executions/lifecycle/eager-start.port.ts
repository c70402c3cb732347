import type { Principal } from '../../tenancy/principal.js';
import type { TierPolicy } from '../../tenancy/tier-policy.js';
import type { Admitted, NewExecution } from './start-admission.js';

/** An eager start's answer: the admission, and whether its run already began here (no job to enqueue). */
export interface EagerAdmitted {
  admitted: Admitted;
  running: boolean;
}

/**
 * What `AgentManager` asks of eager start (`workers.eagerStart`, implemented by the runner's
 * layer: `run/eager-start.ts`): null when the start does not go eagerly, and it is admitted the usual way.
 */
export interface EagerStarter {
  admit(principal: Principal, tier: TierPolicy & { name: string }, row: NewExecution): Promise<EagerAdmitted | null>;
  /**
   * An execution admitted in a transaction of someone else's (a conversation turn, a pipeline
   * stage, a schedule's tick, a fork, a retry), once that committed: leased and run here now when
   * a slot is free (true), else false, and it is enqueued.
   */
  runCommitted(executionId: string, queue: string): Promise<boolean>;
}

export const EAGER_START = Symbol('EAGER_START');
