import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ErrorBody } from './agent-http-exception.js';

/** Every error answer of the library's routes, as the OpenAPI document describes it (`ErrorBody`). */
export class ApiErrorResponse implements ErrorBody {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ description: "The status's reason phrase", example: 'Not Found' }) error: string;
  @ApiProperty({ description: 'What is wrong, in words', example: 'Execution 0190… not found' }) message: string;
  @ApiPropertyOptional({
    description:
      '`code` (the domain error: `execution_not_found`, `invalid_transition`, …) and what goes with it (`current_status`, `known_types`, `errors` for several validation problems, `error_id` on a 500)',
    type: 'object',
    additionalProperties: true,
  })
  details?: Record<string, unknown>;
  @ApiPropertyOptional({
    description: "With a 429 over the tier's limits: the same object as `GET /api/agents/limits`",
    type: 'object',
    additionalProperties: true,
  })
  limits?: ErrorBody['limits'];
}

/** What each error status means on the library's routes. */
const WHEN: Record<number, string> = {
  400: 'Invalid input: a malformed id, body or query (unknown fields included); nothing changed',
  401: 'No principal: `resolvePrincipal` recognised no caller',
  402: 'A monthly budget is used up',
  403: 'The principal lacks the admin role',
  404: 'Not found, or not the caller’s (no existence leak)',
  409: 'Not allowed in its current status (`details.current_status`), or a conflicting request',
  413: 'The input (or the workspace the tier allows) is too large',
  429: 'Over the tier’s request rate (`Retry-After`, `X-RateLimit-*`), or over its concurrent or hourly starts (`limits`)',
};

/** The error answers a route can give, each with the library's error shape. */
export const ApiErrors = (...statuses: number[]): MethodDecorator & ClassDecorator =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: WHEN[status] ?? 'Error', type: ApiErrorResponse })));
