import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { LogLevel } from '../../runtime/step-context.js';

export class ListLogsQuery {
  @IsOptional() @IsIn(Object.values(LogLevel)) level?: LogLevel;
  @IsOptional() @IsString() event_type?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) after_id?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
