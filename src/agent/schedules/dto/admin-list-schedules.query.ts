import { IsOptional, IsString, Length } from 'class-validator';
import { ListSchedulesQuery } from './list-schedules.query.js';

export class AdminListSchedulesQuery extends ListSchedulesQuery {
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
}
