import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { HTTP_STATUS_BY_CODE } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';
import { RateLimitedError, type LimitsReport } from './rate-limited.error.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
  /** With 429 (SPEC §8). */
  limits?: LimitsReport;
}

const reason = (status: number): string =>
  (HttpStatus[status] ?? 'Error')
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');

/**
 * Maps every error leaving a library route to `{ statusCode, error, message, details? }`:
 * domain errors by code, Nest's HTTP errors (validation, body parsing) as they are, anything
 * else as a 500 that leaks nothing.
 */
@Catch()
export class AgentExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AgentExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (exception instanceof RateLimitedError) {
      body.limits = exception.limits;
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof AgentError) {
      const statusCode = HTTP_STATUS_BY_CODE[exception.code];
      return { statusCode, error: reason(statusCode), message: exception.message, details: { code: exception.code, ...exception.details } };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const raw = exception.getResponse();
      const message = typeof raw === 'string' ? raw : (raw as { message?: unknown }).message;
      const messages = Array.isArray(message) ? message : [String(message ?? exception.message)];
      return {
        statusCode,
        error: reason(statusCode),
        message: messages.join('; '),
        ...(messages.length > 1 ? { details: { errors: messages } } : {}),
      };
    }
    const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Body-parser errors (malformed JSON, payload too large) arrive as plain errors with a status.
      return { statusCode: status, error: reason(status), message: (exception as Error).message };
    }
    return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
  }
}
