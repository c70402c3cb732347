import { AgentErrorCode } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';

/** No outbound hook delivery of this execution has this id: 404. */
export class HookDeliveryNotFoundError extends AgentError {
  constructor(executionId: string, deliveryId: string) {
    super(AgentErrorCode.HookDeliveryNotFound, `Execution ${executionId} has no hook delivery ${deliveryId}`);
  }
}

/** Redelivering a delivery that is not `failed` (still pending, or delivered): 409, nothing changed. */
export class HookDeliveryTransitionError extends AgentError {
  constructor(operation: string, currentStatus: string) {
    super(
      AgentErrorCode.InvalidTransition,
      `Cannot ${operation} a hook delivery that is ${currentStatus}: only a failed one is sent again`,
      { current_status: currentStatus },
    );
  }
}
