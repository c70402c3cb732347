import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { LogLevel } from '../../../runtime/step-context.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** Names people reach for that mean one of the levels (`warn` is what most loggers call it). */
const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warn: LogLevel.Warning };

export class ListLogsQuery {
  @ApiPropertyOptional({ enum: Object.values(LogLevel), description: '`warn` is taken for `warning`' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && Object.hasOwn(LEVEL_ALIASES, value) ? LEVEL_ALIASES[value] : value))
  @IsIn(Object.values(LogLevel))
  level?: LogLevel;
  @ApiPropertyOptional({ description: '`step_completed`, `tool_called`, …' }) @IsOptional() @IsString() event_type?: string;
  // NOTE: ids are bigint in PostgreSQL; past 2^53 a number is no longer exact, and past 2^63 the database refuses it.
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: "Logs after this id (a `next_cursor` or a log's `id`)" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after_id?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
