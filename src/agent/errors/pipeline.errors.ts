import { AgentErrorCode } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';

export class PipelineNotFoundError extends AgentError {
  constructor(id: string) {
    super(AgentErrorCode.PipelineNotFound, `Pipeline ${id} not found`);
  }
}

/** A pipeline definition that cannot run: every problem found, so the caller fixes them in one go (400). */
export class InvalidPipelineError extends AgentError {
  constructor(readonly problems: readonly string[]) {
    super(AgentErrorCode.InvalidPipeline, `Invalid pipeline: ${problems.join('; ')}`, { problems: [...problems] });
  }
}

/** Cancelling a pipeline that already ended (409). */
export class PipelineFinishedError extends AgentError {
  constructor(operation: string, currentStatus: string) {
    super(AgentErrorCode.InvalidTransition, `Cannot ${operation} a pipeline that is ${currentStatus}`, { current_status: currentStatus });
  }
}
