import { Injectable, Logger } from '@nestjs/common';
import { ExecutionEvents } from '../executions/execution-events.js';
import type { AgentPipelineEntity } from './entities/agent-pipeline.entity.js';
import { PipelineEventName } from './pipeline-events.js';
import { PipelineReader } from './pipeline-reader.js';
import { toPipelineView, type PipelineView } from './pipeline.view.js';

/** `pipeline.updated` after the commit that changed a pipeline (realtime forwards it to its owner's rooms). */
@Injectable()
export class PipelineUpdates {
  private readonly logger = new Logger(PipelineUpdates.name);

  constructor(
    private readonly reader: PipelineReader,
    private readonly events: ExecutionEvents,
  ) {}

  /** `pipeline` as committed; its stages' statuses are read now. `executionId`: the stage whose end caused it, if one did. */
  async publish(pipeline: AgentPipelineEntity, executionId = ''): Promise<PipelineView> {
    const view = toPipelineView(pipeline, await this.reader.stageExecutions([pipeline]));
    this.events.publish({
      name: PipelineEventName.Updated,
      tenantId: pipeline.tenantId,
      userId: pipeline.userId,
      id: pipeline.id,
      executionId,
      view: view as unknown as Record<string, unknown>,
    });
    return view;
  }

  /** A notification: its loss costs nobody any progress. */
  publishQuietly(pipeline: AgentPipelineEntity, executionId = ''): Promise<void> {
    return this.publish(pipeline, executionId).then(
      () => undefined,
      (error: Error) => this.logger.warn(`pipeline.updated for ${pipeline.id} not published: ${error.message}`),
    );
  }
}
