import { IsOptional, IsString, Length } from 'class-validator';
import { ListPipelinesQuery } from './list-pipelines.query.js';

export class AdminListPipelinesQuery extends ListPipelinesQuery {
  /** Only this user's pipelines. */
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
}
