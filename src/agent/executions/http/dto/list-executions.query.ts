import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ExecutionStatus } from '../../execution-status.js';

export class ListExecutionsQuery {
  @IsOptional() @IsIn(Object.values(ExecutionStatus)) status?: ExecutionStatus;
  @IsOptional() @IsString() agent_type?: string;
  @IsOptional() @IsUUID() cursor?: string;
  /** A parent's subagents, a pipeline's stages, a conversation's turns. */
  @IsOptional() @IsUUID() parent_execution_id?: string;
  @IsOptional() @IsUUID() pipeline_id?: string;
  @IsOptional() @IsUUID() conversation_id?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

/** The query's links as the reader's filter. */
export const linkFilter = (query: ListExecutionsQuery) => ({
  parentExecutionId: query.parent_execution_id,
  pipelineId: query.pipeline_id,
  conversationId: query.conversation_id,
});
