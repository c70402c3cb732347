import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';

// NOTE: the stream's content type is on its 200 alone: `ApiProduces` would give the JSON error answers it too.
/** How the OpenAPI document describes an execution's Server-Sent Events route. */
export const ApiExecutionStream = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Server-Sent Events of an execution until it ends',
      description:
        'Events `log.appended`, `step.completed`, `status.changed` (each with `id:` = its `seq`), `token.delta` (live only, no id), then `finished` and the end of the stream. A reconnect with `Last-Event-ID` resumes without gap or repeat.',
    }),
    ApiHeader({
      name: 'last-event-id',
      required: false,
      description: 'Resume after this event id (what an EventSource sends on reconnecting)',
    }),
    ApiResponse({ status: 200, description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }),
    ApiNoContentResponse({
      description:
        'The execution has ended and the caller already has its last event: nothing more will come (an EventSource stops reconnecting)',
    }),
    ApiErrors(400, 404),
  );
