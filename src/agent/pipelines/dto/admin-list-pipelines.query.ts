import { IsOptional, IsString, Length } from 'class-validator';
import { ListPipelinesQuery } from './list-pipelines.query.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

export class AdminListPipelinesQuery extends ListPipelinesQuery {
  /** Only this user's pipelines. */
  @ApiPropertyOptional({ description: "Only this user's pipelines", minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;
}
