import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ScheduleStatus } from '../schedule-status.js';

export class ListSchedulesQuery {
  @IsOptional() @IsIn(Object.values(ScheduleStatus)) status?: ScheduleStatus;
  @IsOptional() @IsString() agent_type?: string;
  @IsOptional() @IsUUID() cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
