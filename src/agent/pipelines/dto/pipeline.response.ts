import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ExecutionStatus } from '../../executions/execution-status.js';
import { OwnedExecutionResponse } from '../../executions/http/dto/execution.response.js';
import type { OwnedExecutionView } from '../../executions/http/execution.view.js';
import { ApiJsonProperty, ApiObjectProperty } from '../../http/api-json.property.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import { PipelineStatus } from '../pipeline-status.js';
import { UNSTARTED_STAGE, type OwnedPipelineView, type PipelineStageView, type PipelineView } from '../pipeline.view.js';

/** The OpenAPI description of what the pipeline routes answer (`pipeline.view.ts` makes the values). */

export class PipelineStageResponse implements PipelineStageView {
  @ApiProperty() name: string;
  @ApiProperty() agent_type: string;
  @ApiProperty({ enum: [...Object.values(ExecutionStatus), ...Object.values(UNSTARTED_STAGE)] }) status: PipelineStageView['status'];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) execution_id: string | null;
}

export class ParallelStagesResponse {
  @ApiProperty({ type: [PipelineStageResponse], description: 'Run side by side; the next stage starts when all complete' })
  parallel: PipelineStageResponse[];
}

@ApiExtraModels(PipelineStageResponse, ParallelStagesResponse)
export class PipelineResponse implements PipelineView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: Object.values(PipelineStatus) }) status: PipelineStatus;
  @ApiProperty({ type: 'integer', description: 'Index of the stage running now' }) current_stage: number;
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(PipelineStageResponse) }, { $ref: getSchemaPath(ParallelStagesResponse) }] },
  })
  stages: PipelineView['stages'];
  @ApiObjectProperty("Each completed stage's output, by stage name") stage_outputs: Record<string, JsonValue>;
  @ApiJsonProperty("The last stage's output, once completed") output: JsonValue | null;
  @ApiObjectProperty('The failed stage and its error', { nullable: true }) error: JsonObject | null;
  @ApiObjectProperty('As created') metadata: JsonObject;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
}

export class PipelinePageResponse {
  @ApiProperty({ type: [PipelineResponse] }) data: PipelineResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}

export class OwnedPipelineResponse extends PipelineResponse implements OwnedPipelineView {
  @ApiProperty() user_id: string;
}

export class OwnedPipelinePageResponse {
  @ApiProperty({ type: [OwnedPipelineResponse] }) data: OwnedPipelineResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}

/** `GET /api/admin/pipelines/:id`: the pipeline and every execution of its stages. */
export class AdminPipelineDetailResponse extends OwnedPipelineResponse {
  @ApiProperty({ type: [OwnedExecutionResponse], description: 'Every execution of its stages, oldest first' })
  executions: OwnedExecutionView[];
}
