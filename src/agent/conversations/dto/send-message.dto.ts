import { IsString, MinLength } from 'class-validator';

export class SendMessageDto {
  /** The new turn's user message. */
  @IsString({ message: 'message is required (text)' }) @MinLength(1, { message: 'message must not be empty' }) message: string;
}
