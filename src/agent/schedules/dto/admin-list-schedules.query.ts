import { IsOptional, IsString, Length } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ListSchedulesQuery } from './list-schedules.query.js';

export class AdminListSchedulesQuery extends ListSchedulesQuery {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'One user’s schedules' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;
}
