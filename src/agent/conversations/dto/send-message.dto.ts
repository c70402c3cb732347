import { IsString, MinLength } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';

export class SendMessageDto {
  /** The new turn's user message. */
  @ApiProperty({ description: "The new turn's user message", minLength: 1 })
  @IsString({ message: 'message is required (text)' })
  @MinLength(1, { message: 'message must not be empty' })
  message: string;
}
