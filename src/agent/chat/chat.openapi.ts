import { applyDecorators } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';

// NOTE: the stream's content type is on its 200 alone: `ApiProduces` would give the JSON error answers it too.
/** The answer of the chat's streaming routes: what `pipeUIMessageStreamToResponse` writes, as `DefaultChatTransport` reads it. */
const UI_MESSAGE_STREAM = ApiResponse({
  status: 200,
  description:
    'The turn as an AI SDK UI message stream: SSE `data:` lines, each a UI message chunk (`start`, `text-delta`, `tool-input-available`, `tool-approval-request`, `finish`, …), then `data: [DONE]`; SSE comments keep a quiet turn open',
  headers: {
    'x-vercel-ai-ui-message-stream': {
      description: 'The UI message stream protocol’s version, which `DefaultChatTransport` expects',
      schema: { type: 'string', enum: ['v1'] },
    },
  },
  content: { 'text/event-stream': { schema: { type: 'string', example: 'data: {"type":"start","messageId":"…"}\n\n' } } },
});

/** How the OpenAPI document describes `POST /api/conversations/:id/chat`. */
export const ApiChatSend = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Send the chat’s last message (AI SDK `useChat` with `DefaultChatTransport`) and stream the turn it starts',
      description:
        'A user message starts the next turn; an assistant message answers the tool approvals the turn in flight waits on, and streams the rest of that turn. A dropped connection never stops the turn (`chat/cancel` does); `chat/stream` picks it up again.',
    }),
    UI_MESSAGE_STREAM,
    ApiErrors(400, 402, 404, 409, 413),
  );

/** How the OpenAPI document describes `GET /api/conversations/:id/chat/stream`. */
export const ApiChatResume = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'The turn in flight from its beginning, for `useChat`’s `resume: true` (from any node)',
    }),
    UI_MESSAGE_STREAM,
    ApiNoContentResponse({ description: 'No turn of the conversation is in flight: nothing to resume' }),
    ApiErrors(400, 404),
  );
