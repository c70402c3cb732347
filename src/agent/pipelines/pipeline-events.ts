import type { WorkUpdatedEvent } from '../executions/work-updated-event.js';

/** The pipelines' event on the execution bus (realtime forwards it to the owner's rooms). */
export const PipelineEventName = {
  /** A pipeline advanced, ended or was cancelled (SPEC §10). */
  Updated: 'pipeline.updated',
} as const;

export type PipelineUpdatedEvent = WorkUpdatedEvent<typeof PipelineEventName.Updated>;

declare module '../executions/execution-events.js' {
  interface ExecutionEventMap {
    [PipelineEventName.Updated]: PipelineUpdatedEvent;
  }
}
