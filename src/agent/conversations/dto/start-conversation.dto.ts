import { IsOptional, IsString, Length, Matches, MinLength } from 'class-validator';

export class StartConversationDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' }) agent_type: string;
  /** The first turn's user message. */
  @IsString({ message: 'message is required (text)' }) @MinLength(1, { message: 'message must not be empty' }) message: string;
  @IsOptional() @IsString() @Length(1, 200) title?: string;
}
