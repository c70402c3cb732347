import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ExecutionStatus } from '../../execution-status.js';
import { ID_PREFIX_PATTERN } from '../execution-list-query.js';
import { ExecutionListQueryBase } from './list-executions.query.js';

const STATUSES = Object.values(ExecutionStatus);

/** `status=failed,cancelled` and `status=failed&status=cancelled` alike: the list of the values given. */
const statusList = (value: unknown): unknown =>
  typeof value === 'string' || Array.isArray(value)
    ? [value]
        .flat()
        .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
        .map((v) => (typeof v === 'string' ? v.trim() : v))
        .filter((v) => v !== '')
    : value;

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
