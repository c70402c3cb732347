import { IsOptional, IsString, Length } from 'class-validator';
import { ListExecutionsQuery } from './list-executions.query.js';

export class AdminListQuery extends ListExecutionsQuery {
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
}
