import { Injectable, Logger } from '@nestjs/common';
import type { ExecutionError, ExecutionStatus } from './execution-status.js';
import type { CommittedLog } from './committed-log.js';

/** Past-tense names: each describes something already committed. */
export const ExecutionEventName = {
  StatusChanged: 'execution.status_changed',
  StepCompleted: 'execution.step_completed',
  LogAppended: 'execution.log_appended',
  Token: 'execution.token',
  /** A runner's commit was refused: another runner holds the execution now. */
  LeaseLost: 'execution.lease_lost',
} as const;

interface EventBase {
  executionId: string;
  tenantId: string;
  userId: string;
  /** For metrics by agent type. */
  agentType?: string;
  /**
   * Increases per execution: the id of the log row the event reflects (every status change and
   * step has one), so a client that missed events fetches logs `after_id` its last `seq`. Token
   * events carry the `seq` of the last committed event before them.
   */
  seq: number;
}

/** An execution reached a status; its last log row of the commit has the same `seq`. */
export interface StatusChangedEvent extends EventBase {
  name: typeof ExecutionEventName.StatusChanged;
  status: ExecutionStatus;
  stepCount: number;
  tokenUsage: number;
  completedAt: Date | null;
  error: ExecutionError | null;
  /** When it first ran (null: ended before it ran), for the execution duration. */
  startedAt?: Date | null;
  /** Its end owes consequences (a conversation, a pipeline, a parent, children): the settlement looks only then. */
  settlePending?: boolean;
}

export interface StepCompletedEvent extends EventBase {
  name: typeof ExecutionEventName.StepCompleted;
  stepNumber: number;
  stepType: string;
  toolNames: string[];
  tokensUsed: number;
  timestamp: Date;
}

export interface LogAppendedEvent extends EventBase {
  name: typeof ExecutionEventName.LogAppended;
  log: CommittedLog;
}

export interface TokenEvent extends EventBase {
  name: typeof ExecutionEventName.Token;
  stepNumber: number;
  /** The lease epoch of the attempt that streamed it: a step retried after its runner died streams again under a new one. */
  epoch: number;
  text: string;
  /** Its place in the attempt's step, from 0: with `stepNumber` and `epoch`, a token's exact position. */
  index: number;
}

export interface LeaseLostEvent extends Omit<EventBase, 'seq'> {
  name: typeof ExecutionEventName.LeaseLost;
  stepNumber: number;
  epoch: number;
}

/**
 * Every event on the bus, by name. The kernel's own are listed here; a feature that publishes its
 * own events on the bus (a conversation, a pipeline) adds them from its folder, so the kernel never
 * names its consumers' events:
 *
 * @example
 * declare module '../executions/execution-events.js' {
 *   interface ExecutionEventMap {
 *     [ConversationEventName.Updated]: ConversationUpdatedEvent;
 *   }
 * }
 */
export interface ExecutionEventMap {
  [ExecutionEventName.StatusChanged]: StatusChangedEvent;
  [ExecutionEventName.StepCompleted]: StepCompletedEvent;
  [ExecutionEventName.LogAppended]: LogAppendedEvent;
  [ExecutionEventName.Token]: TokenEvent;
  [ExecutionEventName.LeaseLost]: LeaseLostEvent;
}

export type ExecutionEvent = ExecutionEventMap[keyof ExecutionEventMap];

export type ExecutionEventListener = (event: ExecutionEvent) => void;

/**
 * In-process fan-out of execution events, published after commit. Listeners must not carry state
 * the system needs to progress (DESIGN rule 2): a lost event is a lost notification, never lost work.
 */
@Injectable()
export class ExecutionEvents {
  private readonly logger = new Logger(ExecutionEvents.name);
  private readonly listeners = new Set<ExecutionEventListener>();

  subscribe(listener: ExecutionEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: ExecutionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(`Listener failed on ${event.name}: ${(error as Error).message}`);
      }
    }
  }
}
