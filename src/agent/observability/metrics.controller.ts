import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { AgentMetrics } from './agent-metrics.js';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';

/**
 * nestjs-prometheus's scrape of the default registry (ours and the app's metrics), after the
 * cluster-wide gauges are read from their sources. Mounted by `PrometheusModule` at
 * `observability.metricsPath`, unless the app has its own `PrometheusModule`, which then serves them.
 */
@ApiTags('operations')
@Controller()
export class MetricsController extends PrometheusController {
  private readonly logger = new Logger(MetricsController.name);

  constructor(private readonly metrics: AgentMetrics) {
    super();
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiServiceUnavailableResponse({ description: 'The metrics could not be read' })
  override async index(@Res({ passthrough: true }) response: unknown): Promise<string> {
    try {
      await this.metrics.refreshGauges();
    } catch (error) {
      this.logger.warn(`Metrics scrape failed: ${(error as Error).message}`);
      throw new ServiceUnavailableException('Metrics could not be read');
    }
    return super.index(response);
  }
}
