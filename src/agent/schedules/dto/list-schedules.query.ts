import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ScheduleStatus } from '../schedule-status.js';

export class ListSchedulesQuery {
  @ApiPropertyOptional({ enum: Object.values(ScheduleStatus) })
  @IsOptional()
  @IsIn(Object.values(ScheduleStatus))
  status?: ScheduleStatus;
  @ApiPropertyOptional() @IsOptional() @IsString() agent_type?: string;
  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page', format: 'uuid' }) @IsOptional() @IsUUID() cursor?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
