import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { HealthCheckResult } from '@nestjs/terminus';
import { AgentHealth } from './health.service.js';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, type SchemaObject } from '@nestjs/swagger';

/**
 * The health check, at `observability.healthPath` (its path is given at boot). A controller, so the
 * app's global guards, interceptors and filters apply to it as to the app's own routes.
 */
/** `@nestjs/terminus`'s result: `status` and what each indicator said. */
const HEALTH_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: { type: 'object', additionalProperties: true },
  },
};

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: AgentHealth,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Database, queue backend and notifier: up or down' })
  @ApiOkResponse({ description: 'All up (`@nestjs/terminus` result)', schema: HEALTH_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'One is down', schema: HEALTH_SCHEMA })
  async check(@Res({ passthrough: true }) response: unknown): Promise<HealthCheckResult | unknown> {
    try {
      return await this.health.check();
    } catch (error) {
      // 503 with terminus's report of what is down, whatever exception filters the app has.
      this.adapterHost.httpAdapter.status(response, 503);
      return error instanceof ServiceUnavailableException
        ? error.getResponse()
        : { status: 'error', error: { message: (error as Error).message } };
    }
  }
}
