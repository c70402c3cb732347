import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { PipelineAdvance } from './pipeline-advance.js';
import { PipelineReader } from './pipeline-reader.js';
import { PipelineUpdates } from './pipeline-updates.js';
import { PipelinesService } from './pipelines.service.js';

/** SPEC §10: pipelines of agent stages, moved on by the settlement of their stages' ends. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, TenancyModule],
  providers: [PipelinesService, PipelineReader, PipelineUpdates, PipelineAdvance],
  exports: [PipelinesService, PipelineReader],
})
export class PipelinesModule {}
