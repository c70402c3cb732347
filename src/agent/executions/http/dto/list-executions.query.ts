import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateBy } from 'class-validator';
import type { JsonObject } from '../../../runtime/json.js';
import { ExecutionStatus } from '../../execution-status.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** Longest `metadata` filter, as sent (JSON text). */
const MAX_METADATA_FILTER = 2_000;

/** The object a `metadata` filter stands for, or null when it is not one (not JSON, an array, a scalar). */
export function metadataFilter(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

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

  @ApiPropertyOptional({
    description: 'Executions whose metadata contains this JSON object (`metadata @> …`)',
    example: '{"customer":"acme"}',
    maxLength: MAX_METADATA_FILTER,
  })
  @IsOptional()
  @IsString()
  @Length(2, MAX_METADATA_FILTER)
  @ValidateBy({
    name: 'isJsonObjectText',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && metadataFilter(value) !== null,
      defaultMessage: () => 'metadata must be a JSON object, e.g. {"customer":"acme"}',
    },
  })
  metadata?: string;
}

export class ListExecutionsQuery extends ExecutionListQueryBase {
  @ApiPropertyOptional({ enum: Object.values(ExecutionStatus) })
  @IsOptional()
  @IsIn(Object.values(ExecutionStatus))
  status?: ExecutionStatus;
}

/** What the user's and the admin's lists share, as the reader's filter. */
export const baseFilter = (query: ExecutionListQueryBase) => ({
  agentType: query.agent_type,
  parentExecutionId: query.parent_execution_id,
  pipelineId: query.pipeline_id,
  conversationId: query.conversation_id,
  metadata: query.metadata === undefined ? undefined : (metadataFilter(query.metadata) ?? undefined),
  cursor: query.cursor,
  limit: query.limit,
});
