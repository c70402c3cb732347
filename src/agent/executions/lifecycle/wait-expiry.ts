import { Injectable } from '@nestjs/common';
import { ExecutionStatus, type FailureCode } from '../execution-status.js';
import { ANY_SCOPE } from '../../tenancy/scope.js';
import { ExecutionTransitions } from './execution-transitions.js';
import { LogEventType } from '../../runtime/log-event-type.js';

/**
 * Ends a wait that ran out: driven by a delayed job per wait, never by a sleeping worker. The
 * epoch pins the job to the wait that scheduled it; if the execution moved on, nothing happens.
 */
@Injectable()
export class WaitExpiry {
  constructor(private readonly transitions: ExecutionTransitions) {}

  async expire(executionId: string, status: 'awaiting_input' | 'awaiting_event', epoch: number): Promise<boolean> {
    const code = `${status}_timeout` as FailureCode;
    const message = status === 'awaiting_input' ? 'No input arrived in time' : 'The awaited event did not arrive in time';
    const { execution } = await this.transitions.tryApply(executionId, ANY_SCOPE, {
      operation: 'expire',
      from: [status === 'awaiting_input' ? ExecutionStatus.AwaitingInput : ExecutionStatus.AwaitingEvent],
      to: ExecutionStatus.Failed,
      epoch,
      error: { code, message },
      log: { level: 'error', eventType: LogEventType.Failed, message, context: { code } },
    });
    return execution !== null;
  }
}
