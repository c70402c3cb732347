import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { LogLevel } from '../../../runtime/step-context.js';

/** Names people reach for that mean one of the levels (`warn` is what most loggers call it). */
const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warn: LogLevel.Warning };

export class ListLogsQuery {
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && Object.hasOwn(LEVEL_ALIASES, value) ? LEVEL_ALIASES[value] : value))
  @IsIn(Object.values(LogLevel))
  level?: LogLevel;
  @IsOptional() @IsString() event_type?: string;
  // NOTE: ids are bigint in PostgreSQL; past 2^53 a number is no longer exact, and past 2^63 the database refuses it.
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after_id?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
