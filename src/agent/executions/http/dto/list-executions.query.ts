import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ExecutionStatus } from '../../execution-status.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** What the user's and the admin's lists share; each adds its own `status` (one value, or a list for admins). */
export class ExecutionListQueryBase {
  @ApiPropertyOptional() @IsOptional() @IsString() agent_type?: string;
  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page', format: 'uuid' }) @IsOptional() @IsUUID() cursor?: string;
  /** A parent's subagents, a pipeline's stages, a conversation's turns. */
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() parent_execution_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() pipeline_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() conversation_id?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ListExecutionsQuery extends ExecutionListQueryBase {
  @ApiPropertyOptional({ enum: Object.values(ExecutionStatus) })
  @IsOptional()
  @IsIn(Object.values(ExecutionStatus))
  status?: ExecutionStatus;
}

/** The query's links as the reader's filter. */
export const linkFilter = (query: ExecutionListQueryBase) => ({
  parentExecutionId: query.parent_execution_id,
  pipelineId: query.pipeline_id,
  conversationId: query.conversation_id,
});
