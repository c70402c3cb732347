import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { PipelineStatus } from '../pipeline-status.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

export class ListPipelinesQuery {
  @ApiPropertyOptional({ enum: Object.values(PipelineStatus) }) @IsOptional() @IsIn(Object.values(PipelineStatus)) status?: PipelineStatus;
  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page', format: 'uuid' }) @IsOptional() @IsUUID() cursor?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
