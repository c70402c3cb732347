import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString } from 'class-validator';

/** What the AI SDK's `DefaultChatTransport` posts: the chat's messages (the last one is new) and its request fields. */
export class ChatRequestDto {
  /** The chat's id on the client (`useChat({ id })`); the conversation in the path is what counts. */
  @IsOptional() @IsString() id?: string;
  /** `UIMessage`s, oldest first; only the last is read (the history is the conversation's own). */
  @IsArray({ message: 'messages must be an array of UI messages' })
  @ArrayNotEmpty({ message: 'messages must not be empty' })
  @ArrayMaxSize(10_000)
  messages: unknown[];
  @IsOptional() @IsIn(['submit-message', 'regenerate-message']) trigger?: 'submit-message' | 'regenerate-message';
  @IsOptional() @IsString() messageId?: string;
}
