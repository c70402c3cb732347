import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { JOIN_HISTORY_SQL, OPEN_TURN_SQL } from './execution-history.sql.js';

/** A turn just admitted, inside the transaction that admitted it. */
export interface OpeningTurn {
  executionId: string;
  tenantId: string;
  /** The user's message: the turn's first message, unless it is queued. */
  message: string;
  /** Waits for the turns ahead of it (`scheduled`, no job, no message yet: its release writes them). */
  queued: boolean;
}

/**
 * Executions that continue a shared history (a conversation's turns), inside the caller's
 * transaction: the history's rows are the kernel's, the caller owns what it keeps about them.
 */
@Injectable()
export class ExecutionHistory {
  /** Writes the turn's first message, or parks it as queued. */
  async openTurn(client: PoolClient, turn: OpeningTurn): Promise<void> {
    await client.query(OPEN_TURN_SQL, [turn.executionId, JSON.stringify(turn.message), turn.queued, turn.tenantId]);
  }

  /** A completed turn's user message and answer join the history of `historyId` (messages are tagged, never copied). */
  async joinHistory(client: PoolClient, executionId: string, historyId: string): Promise<void> {
    await client.query(JOIN_HISTORY_SQL, [executionId, historyId]);
  }
}
