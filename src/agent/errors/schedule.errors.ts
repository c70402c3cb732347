import { AgentErrorCode } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';

export class ScheduleNotFoundError extends AgentError {
  constructor(id: string) {
    super(AgentErrorCode.ScheduleNotFound, `Schedule ${id} not found`);
  }
}

/** A cron expression or time zone that cannot run (400, nothing created). */
export class InvalidScheduleError extends AgentError {
  constructor(message: string) {
    super(AgentErrorCode.InvalidSchedule, message);
  }
}

/** Pausing a paused schedule, resuming an active one (409). */
export class ScheduleTransitionError extends AgentError {
  constructor(operation: string, currentStatus: string) {
    super(AgentErrorCode.InvalidTransition, `Cannot ${operation} a schedule that is ${currentStatus}`, { current_status: currentStatus });
  }
}
