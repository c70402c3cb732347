import type { ConversationView } from '../conversations/conversation.view.js';
import type { ExecutionError, ExecutionStatus } from '../executions/execution-status.js';
import type { PipelineStatus } from '../pipelines/pipeline-status.js';
import type { PipelineView } from '../pipelines/pipeline.view.js';

/**
 * The events a host app receives through `@nestjs/event-emitter`, after the commit they describe,
 * for executions run by any process. Past-tense names under `agent.`; `@OnEvent('agent.**')`
 * (with `wildcard: true`) takes them all.
 * @example
 * \@OnEvent(AgentEvent.ExecutionCompleted)
 * notifyOwner(event: AgentExecutionStatusEvent) { ... }
 */
export const AgentEvent = {
  ExecutionScheduled: 'agent.execution.scheduled',
  ExecutionPending: 'agent.execution.pending',
  ExecutionRunning: 'agent.execution.running',
  ExecutionPaused: 'agent.execution.paused',
  ExecutionAwaitingInput: 'agent.execution.awaiting_input',
  ExecutionAwaitingEvent: 'agent.execution.awaiting_event',
  ExecutionAwaitingChildren: 'agent.execution.awaiting_children',
  ExecutionCompleted: 'agent.execution.completed',
  ExecutionFailed: 'agent.execution.failed',
  ExecutionCancelled: 'agent.execution.cancelled',
  /** A step was committed (its messages, logs and usage). */
  ExecutionStepCompleted: 'agent.execution.step.completed',
  /** A conversation's turn ended completed: its message and answer joined the history. */
  ConversationTurnCompleted: 'agent.conversation.turn.completed',
  ConversationTurnFailed: 'agent.conversation.turn.failed',
  ConversationTurnCancelled: 'agent.conversation.turn.cancelled',
  PipelineCompleted: 'agent.pipeline.completed',
  PipelineFailed: 'agent.pipeline.failed',
  PipelineCancelled: 'agent.pipeline.cancelled',
} as const;
export type AgentEvent = (typeof AgentEvent)[keyof typeof AgentEvent];

/** The name of the event an execution's status change publishes: `agent.execution.<status>`. */
export const executionStatusEvent = (status: ExecutionStatus): AgentEvent => `agent.execution.${status}` as AgentEvent;

interface OwnedEvent {
  /** The event's own name, for listeners of several. */
  event: AgentEvent;
  tenantId: string;
  userId: string;
}

/** `agent.execution.<status>`: the execution reached `status`. */
export interface AgentExecutionStatusEvent extends OwnedEvent {
  executionId: string;
  /** Absent when the process that committed the change did not know it. */
  agentType?: string;
  status: ExecutionStatus;
  stepCount: number;
  tokenUsage: number;
  completedAt: Date | null;
  /** With `failed`: why. */
  error: ExecutionError | null;
  /** The id of the log row of this change: increases per execution (order, and catching up with `GET /api/agents/:id/logs`). */
  seq: number;
}

/** `agent.execution.step.completed` */
export interface AgentStepCompletedEvent extends OwnedEvent {
  executionId: string;
  agentType?: string;
  stepNumber: number;
  stepType: string;
  toolNames: string[];
  tokensUsed: number;
  timestamp: Date;
  seq: number;
}

/** `agent.conversation.turn.<completed|failed|cancelled>` */
export interface AgentConversationTurnEvent extends OwnedEvent {
  conversationId: string;
  /** The turn's execution. */
  executionId: string;
  status: ExecutionStatus;
  /** The conversation after the turn (without its message history). */
  conversation: ConversationView;
}

/** `agent.pipeline.<completed|failed|cancelled>` */
export interface AgentPipelineEvent extends OwnedEvent {
  pipelineId: string;
  status: PipelineStatus;
  /** The stage execution whose end ended the pipeline; null when a request (a cancel) did. */
  executionId: string | null;
  pipeline: PipelineView;
}

/** Each event name with its payload: `AgentEventPayload<typeof AgentEvent.ExecutionCompleted>`. */
export type AgentEventPayload<E extends AgentEvent> = E extends typeof AgentEvent.ExecutionStepCompleted
  ? AgentStepCompletedEvent
  : E extends `agent.conversation.turn.${string}`
    ? AgentConversationTurnEvent
    : E extends `agent.pipeline.${string}`
      ? AgentPipelineEvent
      : AgentExecutionStatusEvent;

export type AnyAgentEvent = AgentExecutionStatusEvent | AgentStepCompletedEvent | AgentConversationTurnEvent | AgentPipelineEvent;
