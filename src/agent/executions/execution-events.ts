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
  /** A conversation's history, counters or active turn changed (SPEC §9). */
  ConversationUpdated: 'conversation.updated',
  /** A pipeline advanced, ended or was cancelled (SPEC §10). */
  PipelineUpdated: 'pipeline.updated',
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
  text: string;
  index: number;
}

export interface LeaseLostEvent extends Omit<EventBase, 'seq'> {
  name: typeof ExecutionEventName.LeaseLost;
  stepNumber: number;
  epoch: number;
}

export type ExecutionEvent = StatusChangedEvent | StepCompletedEvent | LogAppendedEvent | TokenEvent | LeaseLostEvent | WorkUpdatedEvent;

/**
 * A conversation or a pipeline changed. `view` is its public JSON (what `GET` answers, without the
 * message history); published after the commit that changed it.
 */
export interface WorkUpdatedEvent {
  name: typeof ExecutionEventName.ConversationUpdated | typeof ExecutionEventName.PipelineUpdated;
  tenantId: string;
  userId: string;
  /** The conversation's or pipeline's id. */
  id: string;
  /** The execution whose end caused the change; empty when a request did. */
  executionId: string;
  /** The status that execution ended in (with `executionId`): a conversation turn completed, failed or was cancelled. */
  executionStatus?: ExecutionStatus;
  view: Record<string, unknown>;
}

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
