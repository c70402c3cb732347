import { ConversationEventName } from './conversations/conversation-events.js';
import { ExecutionEventName as KernelEventName } from './executions/execution-events.js';
import { PipelineEventName } from './pipelines/pipeline-events.js';

/**
 * Every name a host meets on `ExecutionEvents` (the public `ExecutionEventName`): the kernel's own
 * and those its features publish there, each defined by the folder that owns it.
 */
export const ExecutionEventName = {
  ...KernelEventName,
  ConversationUpdated: ConversationEventName.Updated,
  PipelineUpdated: PipelineEventName.Updated,
} as const;
