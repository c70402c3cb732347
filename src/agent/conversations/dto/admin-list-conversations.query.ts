import { IsOptional, IsString, Length } from 'class-validator';
import { ListConversationsQuery } from './list-conversations.query.js';

export class AdminListConversationsQuery extends ListConversationsQuery {
  /** Only this user's conversations. */
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
}
