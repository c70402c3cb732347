import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { PipelineStatus } from '../pipeline-status.js';

export class ListPipelinesQuery {
  @IsOptional() @IsIn(Object.values(PipelineStatus)) status?: PipelineStatus;
  @IsOptional() @IsUUID() cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
