import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** An AI SDK `UIMessage` as the OpenAPI document shows it: only the last one is read, and only these fields of it. */
const UI_MESSAGE = {
  type: 'object',
  required: ['role', 'parts'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ['user', 'assistant', 'system'] },
    parts: {
      type: 'array',
      description:
        'A user message: its `text` parts make the turn’s message. An assistant message: its tool parts in `state: approval-responded` carry `approval: { id, approved, reason? }`',
      items: { type: 'object', additionalProperties: true, properties: { type: { type: 'string', example: 'text' } } },
    },
  },
};

/** What the AI SDK's `DefaultChatTransport` posts: the chat's messages (the last one is new) and its request fields. */
export class ChatRequestDto {
  /** The chat's id on the client (`useChat({ id })`); the conversation in the path is what counts. */
  @ApiPropertyOptional({ description: 'The chat’s id on the client (`useChat({ id })`); the conversation in the path is what counts' })
  @IsOptional()
  @IsString()
  id?: string;
  /** `UIMessage`s, oldest first; only the last is read (the history is the conversation's own). */
  @ApiProperty({
    type: 'array',
    items: UI_MESSAGE,
    minItems: 1,
    maxItems: 10_000,
    description:
      '`UIMessage`s, oldest first; only the last is read (the history is the conversation’s own): a user message starts the next turn, an assistant message answers the tool approvals the turn in flight waits on',
  })
  @IsArray({ message: 'messages must be an array of UI messages' })
  @ArrayNotEmpty({ message: 'messages must not be empty' })
  @ArrayMaxSize(10_000)
  messages: unknown[];
  @ApiPropertyOptional({ enum: ['submit-message', 'regenerate-message'], description: 'Sent by the transport; not read' })
  @IsOptional()
  @IsIn(['submit-message', 'regenerate-message'])
  trigger?: 'submit-message' | 'regenerate-message';
  @ApiPropertyOptional({ description: 'Sent by the transport; not read' }) @IsOptional() @IsString() messageId?: string;
}
