import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, ValidateBy } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonObject } from '../../../runtime/json.js';
import { ExecutionStatus } from '../../execution-status.js';
import { ID_PREFIX_PATTERN } from '../execution-list-query.js';
import { ExecutionListQueryBase } from './list-executions.query.js';

const STATUSES = Object.values(ExecutionStatus);
/** Longest `metadata` filter, as sent (JSON text). */
const MAX_METADATA_FILTER = 2_000;

/** `status=failed,cancelled` and `status=failed&status=cancelled` alike: the list of the values given. */
const statusList = (value: unknown): unknown =>
  typeof value === 'string' || Array.isArray(value)
    ? [value]
        .flat()
        .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
        .map((v) => (typeof v === 'string' ? v.trim() : v))
        .filter((v) => v !== '')
    : value;

/** The object a `metadata` filter stands for, or null when it is not one (not JSON, an array, a scalar). */
export function metadataFilter(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

export class AdminListQuery extends ExecutionListQueryBase {
  @ApiPropertyOptional({
    type: String,
    description: `One status, or several separated by commas (\`awaiting_input,awaiting_event\`). Each one of: ${STATUSES.join(', ')}`,
    example: 'failed,cancelled',
  })
  @IsOptional()
  @Transform(({ value }) => statusList(value))
  @ArrayNotEmpty({ message: 'status must name at least one status' })
  @ArrayMaxSize(STATUSES.length)
  @IsIn(STATUSES, { each: true, message: `each value in status must be one of: ${STATUSES.join(', ')}` })
  status?: ExecutionStatus[];

  @ApiPropertyOptional({ description: "Only this user's executions", minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;

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

  @ApiPropertyOptional({
    description: 'A full execution id, or its first hex digits (at least 4; dashes optional)',
    example: '0190a0a0',
    pattern: ID_PREFIX_PATTERN.source,
  })
  @IsOptional()
  @Matches(ID_PREFIX_PATTERN, { message: 'id must be an execution id or its first hex digits (at least 4)' })
  id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The retries of this execution (`POST …/retry`'s runs)" })
  @IsOptional()
  @IsUUID()
  retried_from_execution_id?: string;
}
