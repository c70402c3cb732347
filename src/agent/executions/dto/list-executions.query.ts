import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ExecutionStatus } from '../execution-status.js';

export class ListExecutionsQuery {
  @IsOptional() @IsIn(Object.values(ExecutionStatus)) status?: ExecutionStatus;
  @IsOptional() @IsString() agent_type?: string;
  @IsOptional() @IsUUID() cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
