import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { AfterCommit } from '../../infrastructure/in-transaction.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { AgentMessage } from '../../runtime/agent-state.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import { ExecutionEvents } from '../execution-events.js';
import { executionFromRow } from '../execution-row.js';
import { ExecutionStatus, isTerminal } from '../execution-status.js';
import { LOCK_PARENT_SQL, SPAWN_CHILDREN_SQL, UNFINISHED_CHILDREN_SQL, WAKE_PARENT_SQL } from './parent-wake.sql.js';
import { publishTransition } from './transition-events.js';

/** A child of the spawn its parent waits on, as the parent's wake-up reads it (its metadata as the runner spawned it). */
export interface SpawnedChild {
  id: string;
  status: ExecutionStatus;
  output: JsonValue;
  error: { code?: string; message?: string } | null;
  metadata: { tool_call_id?: string | null };
}

/** What the parent's wake-up writes: the messages appended to its history, and its log's message and context. */
export interface ParentWakeUp {
  messages: AgentMessage[];
  log: string;
  context: JsonObject;
}

/**
 * A parent and the children it spawned, inside the settlement of an end (DESIGN rule 2): the
 * parent wakes in the transaction that settles its last child's end, and a parent's end finds its
 * children still at work.
 */
@Injectable()
export class ExecutionFamily {
  constructor(
    private readonly events: ExecutionEvents,
    private readonly queue: ExecutionQueue,
  ) {}

  /**
   * Wakes the parent (`awaiting_children` → `pending`, one guarded statement) once every child of
   * the spawn it waits on has ended, with what `wakeUp` makes of them; its events and its job follow
   * the commit. False when it does not wait, or some child is still at work.
   *
   * NOTE: the parent's row lock serialises the children's settlements: two children ending at the
   * same moment both reach this point, the second sees the first's wake-up (the parent no longer
   * waiting) and does nothing, so the parent wakes exactly once.
   */
  async wakeParent(
    client: PoolClient,
    parentId: string,
    wakeUp: (children: readonly SpawnedChild[]) => ParentWakeUp,
    afterCommit: (action: AfterCommit) => void,
  ): Promise<boolean> {
    const { rows: parents } = await client.query(LOCK_PARENT_SQL, [parentId]);
    const parent = parents[0];
    if (parent?.status !== ExecutionStatus.AwaitingChildren) return false;
    const { rows: children } = await client.query<SpawnedChild>(SPAWN_CHILDREN_SQL, [parentId, parent.step_count]);
    if (children.length === 0 || !children.every((c) => isTerminal(c.status))) return false;

    const { messages, log, context } = wakeUp(children);
    const { rows } = await client.query(WAKE_PARENT_SQL, [parentId, JSON.stringify(messages), log, JSON.stringify(context)]);
    if (!rows[0]) return false;
    const woken = executionFromRow(rows[0].updated);
    afterCommit(async () => {
      publishTransition(this.events, woken, rows[0].log);
      await this.queue.enqueue(woken.id, woken.queue as QueueName, { epoch: woken.leaseEpoch });
    });
    return true;
  }

  /** The ids of a parent's children still running or waiting. */
  async unfinishedChildren(client: PoolClient, parentId: string): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>(UNFINISHED_CHILDREN_SQL, [parentId]);
    return rows.map((r) => r.id);
  }
}
