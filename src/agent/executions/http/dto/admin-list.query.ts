import { IsOptional, IsString, Length } from 'class-validator';
import { ListExecutionsQuery } from './list-executions.query.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

export class AdminListQuery extends ListExecutionsQuery {
  @ApiPropertyOptional({ description: "Only this user's executions", minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;
}
