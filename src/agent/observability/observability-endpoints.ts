import { Inject, Injectable, Logger, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { AgentMetrics } from './agent-metrics.js';
import { AgentHealth } from './health.service.js';

/**
 * Mounts `/metrics` and `/health` on the host's HTTP server at the paths the options give (or not at
 * all): routes whose path is configuration cannot be controller decorators. Worker-only processes
 * have no HTTP server and serve neither.
 */
@Injectable()
export class ObservabilityEndpoints implements OnModuleInit {
  private readonly logger = new Logger(ObservabilityEndpoints.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: AgentMetrics,
    private readonly health: AgentHealth,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const { metricsPath, healthPath } = this.options.observability;
    if (metricsPath) {
      adapter.get(metricsPath, async (_request: unknown, response: unknown) => {
        try {
          const { contentType, body } = await this.metrics.render();
          adapter.setHeader(response, 'Content-Type', contentType);
          adapter.reply(response, body, 200);
        } catch (error) {
          this.logger.warn(`Metrics scrape failed: ${(error as Error).message}`);
          adapter.reply(response, { statusCode: 503, error: 'Service Unavailable', message: 'Metrics could not be read' }, 503);
        }
      });
    }
    if (healthPath) {
      adapter.get(healthPath, async (_request: unknown, response: unknown) => {
        try {
          adapter.reply(response, await this.health.check(), 200);
        } catch (error) {
          // Terminus reports what is down in the exception's body.
          if (error instanceof ServiceUnavailableException) adapter.reply(response, error.getResponse(), 503);
          else adapter.reply(response, { status: 'error', error: { message: (error as Error).message } }, 503);
        }
      });
    }
  }
}
