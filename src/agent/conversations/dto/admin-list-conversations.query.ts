import { IsOptional, IsString, Length } from 'class-validator';
import { ListConversationsQuery } from './list-conversations.query.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

export class AdminListConversationsQuery extends ListConversationsQuery {
  /** Only this user's conversations. */
  @ApiPropertyOptional({ description: "Only this user's conversations", minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;
}
