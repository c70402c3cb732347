import { IsOptional, IsString, Length, Matches, MinLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class StartConversationDto {
  @ApiProperty({ description: 'A registered agent type', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' })
  agent_type: string;
  /** The first turn's user message. */
  @ApiProperty({ description: "The first turn's user message", minLength: 1 })
  @IsString({ message: 'message is required (text)' })
  @MinLength(1, { message: 'message must not be empty' })
  message: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 }) @IsOptional() @IsString() @Length(1, 200) title?: string;
}
