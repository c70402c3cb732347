import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { AgentMetrics } from './agent-metrics.js';
import { AgentHealth } from './health.service.js';
import { METRIC_PROVIDERS } from './metric-names.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { QueueStatsService } from './queue-stats.service.js';
import { WorkspacesModule } from '../workspaces/workspaces.module.js';

/** SPEC §15: Prometheus metrics, OpenTelemetry spans, health. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), InfrastructureModule, ExecutionsModule, TenancyModule, WorkspacesModule],
  providers: [...METRIC_PROVIDERS, AgentMetrics, AgentHealth, MetricsRecorder, QueueStatsService],
  exports: [AgentMetrics, AgentHealth, QueueStatsService],
})
export class ObservabilityModule {}
