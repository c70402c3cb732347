import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { ExecutionEventBridge } from './execution-event-bridge.js';
import { ExecutionStreamService } from './execution-stream.service.js';
import { HostEventEmitter } from './host-event-emitter.js';
import { OpenStreams } from './open-streams.js';

/**
 * Live updates: the cross-process event bridge, Server-Sent Events and the host app's `agent.*`
 * events (the gateway and the stream's route are mounted by `AgentModule`).
 */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, TenancyModule],
  providers: [ExecutionEventBridge, ExecutionStreamService, HostEventEmitter, OpenStreams],
  exports: [ExecutionEventBridge, ExecutionStreamService, OpenStreams],
})
export class RealtimeModule {}
