import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AgentError } from '../errors/agent.errors.js';
import { AgentHttpException, reasonPhrase, type ErrorBody } from './agent-http-exception.js';

/**
 * Maps every error leaving a route to `{ statusCode, error, message, details? }`: domain errors by
 * code (`AgentHttpException`, with `Retry-After` on a 429), Nest's HTTP errors (validation, body
 * parsing) as they are, anything else as a 500 that leaks nothing. Replies through the app's HTTP
 * adapter, so it answers the same on Express and Fastify.
 *
 * The library's routes use it; a host's controller that calls `AgentManager` gets the same answers
 * with `@UseFilters(AgentExceptionFilter)` (or app-wide: `{ provide: APP_FILTER, useClass: AgentExceptionFilter }`).
 */
@Catch()
@Injectable()
export class AgentExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AgentExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const http = exception instanceof AgentError ? new AgentHttpException(exception) : exception;
    const body = toErrorBody(http);
    if (http instanceof AgentHttpException && http.retryAfterSeconds !== null) adapter.setHeader(response, 'Retry-After', String(http.retryAfterSeconds));
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    adapter.reply(response, body, body.statusCode);
  }
}

function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof AgentHttpException) return exception.getResponse();
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const raw = exception.getResponse();
    const message = typeof raw === 'string' ? raw : (raw as { message?: unknown }).message;
    const messages = Array.isArray(message) ? message : [String(message ?? exception.message)];
    return {
      statusCode,
      error: reasonPhrase(statusCode),
      message: messages.join('; '),
      ...(messages.length > 1 ? { details: { errors: messages } } : {}),
    };
  }
  const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Body-parser errors (malformed JSON, payload too large) arrive as plain errors with a status.
    return { statusCode: status, error: reasonPhrase(status), message: (exception as Error).message };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}
