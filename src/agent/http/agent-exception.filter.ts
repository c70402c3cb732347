import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { AgentError } from '../errors/agent.errors.js';
import { isConnectionLost } from '../infrastructure/connection-lost.js';
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
    if (http instanceof AgentHttpException && http.retryAfterSeconds !== null)
      adapter.setHeader(response, 'Retry-After', String(http.retryAfterSeconds));
    if (body.statusCode === 503) adapter.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    if (body.statusCode >= 500) {
      // NOTE: the id joins what the caller sees to the one log line that says what happened.
      const errorId = randomUUID();
      body.details = { error_id: errorId };
      this.logger.error(`error ${errorId}: ${exception instanceof Error ? exception.stack : String(exception)}`);
    }
    adapter.reply(response, body, body.statusCode);
  }
}

/** What a 503 for an unreachable database asks the caller to wait. */
const DATABASE_RETRY_AFTER_SECONDS = 1;

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
  // The database away (a restart, a failover) is not a bug: 503, come back in a moment.
  if (isConnectionLost(exception))
    return { statusCode: 503, error: 'Service Unavailable', message: 'The database is unavailable; retry shortly' };
  const sqlState = databaseErrorCode(exception);
  if (sqlState !== null && isCausedByInput(sqlState)) {
    return { statusCode: 400, error: 'Bad Request', message: `A value in the request cannot be stored: ${(exception as Error).message}` };
  }
  const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Body-parser errors (malformed JSON, payload too large) arrive as plain errors with a status.
    return { statusCode: status, error: reasonPhrase(status), message: (exception as Error).message };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

/** The SQLSTATE of a PostgreSQL error, raw from `pg` or wrapped by TypeORM (`QueryFailedError.driverError`). */
function databaseErrorCode(exception: unknown): string | null {
  const error = exception as { code?: unknown; severity?: unknown; driverError?: { code?: unknown } } | null;
  const code = error?.driverError?.code ?? (typeof error?.severity === 'string' ? error.code : undefined);
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * Class 22 (data exception: invalid text representation, numeric out of range, string too long,
 * untranslatable character, ...) and 54000 (a value too large for an index): a value the caller
 * sent that the columns cannot hold. Everything else is the server's fault.
 */
const isCausedByInput = (sqlState: string): boolean => sqlState.startsWith('22') || sqlState === '54000';
