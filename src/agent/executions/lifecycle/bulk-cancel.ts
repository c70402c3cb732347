import { Injectable } from '@nestjs/common';
import { ExecutionNotFoundError, InvalidTransitionError } from '../../errors/agent.errors.js';
import type { Principal } from '../../tenancy/principal.js';
import { isTerminal, type ExecutionStatus } from '../execution-status.js';
import { ExecutionControls, type ControlOptions } from './execution-controls.js';

/** What a cancel did to one execution of a bulk cancel. */
export const BulkCancelOutcome = {
  /** Nothing ran: `cancelled` at once. */
  Cancelled: 'cancelled',
  /** Running: it stops at the end of its step (or is killed after the grace period). */
  Cancelling: 'cancelling',
  /** Completed, failed or cancelled before: nothing changed. */
  AlreadyFinished: 'already_finished',
  /** No such execution in the caller's scope (another tenant's looks the same). */
  NotFound: 'not_found',
} as const;
export type BulkCancelOutcome = (typeof BulkCancelOutcome)[keyof typeof BulkCancelOutcome];

export interface BulkCancelLine {
  id: string;
  outcome: BulkCancelOutcome;
  /** Its status after the cancel; null when not found. */
  status: ExecutionStatus | null;
}

/** Cancels at a time: a few connections of the pool, not all of them. */
const PARALLEL = 4;
/** A cancel that lost a race to another change (a pause, a lease) tries again this many times. */
const ATTEMPTS = 3;

/**
 * Cancels many executions, each through the same path as a single cancel (`ExecutionControls.cancel`):
 * one line per id, in the order given, whatever happened to each.
 */
@Injectable()
export class BulkCancel {
  constructor(private readonly controls: ExecutionControls) {}

  async cancel(
    principal: Principal,
    ids: readonly string[],
    graceMs: number | undefined,
    control: ControlOptions,
  ): Promise<BulkCancelLine[]> {
    const lines: BulkCancelLine[] = new Array(ids.length);
    let next = 0;
    const work = async () => {
      for (let i = next++; i < ids.length; i = next++) lines[i] = await this.cancelOne(principal, ids[i]!, graceMs, control);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, work));
    return lines;
  }

  private async cancelOne(principal: Principal, id: string, graceMs: number | undefined, control: ControlOptions): Promise<BulkCancelLine> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { execution, pending } = await this.controls.cancel(principal, id, graceMs, control);
        return { id, outcome: pending ? BulkCancelOutcome.Cancelling : BulkCancelOutcome.Cancelled, status: execution.status };
      } catch (error) {
        if (error instanceof ExecutionNotFoundError) return { id, outcome: BulkCancelOutcome.NotFound, status: null };
        const current = error instanceof InvalidTransitionError ? (error.details?.current_status as ExecutionStatus) : null;
        if (current && isTerminal(current)) return { id, outcome: BulkCancelOutcome.AlreadyFinished, status: current };
        // Between the guarded transition and the signal it changed status (taken by a runner, paused): again.
        if (!current || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
