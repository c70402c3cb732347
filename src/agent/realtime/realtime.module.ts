import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { AgentsGateway } from './agents.gateway.js';
import { ExecutionEventBridge } from './execution-event-bridge.js';
import { ExecutionStreamController } from './execution-stream.controller.js';
import { ExecutionStreamService } from './execution-stream.service.js';
import { HostEventEmitter } from './host-event-emitter.js';

/** Live updates: the cross-process event bridge, the Socket.IO gateway, Server-Sent Events and the host app's `agent.*` events. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, TenancyModule],
  controllers: [ExecutionStreamController],
  providers: [ExecutionEventBridge, AgentsGateway, ExecutionStreamService, HostEventEmitter],
  exports: [ExecutionEventBridge, ExecutionStreamService],
})
export class RealtimeModule {}
