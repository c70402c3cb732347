import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { AgentExplorer } from './agent.explorer.js';
import { AgentManager } from './agent-manager.js';
import { AgentRegistry } from './agent-registry.js';
import { ExecutionEvents } from './execution-events.js';
import { BackendQueueWorkers } from './backend-queue-workers.js';
import { ExecutionJobs } from './execution-jobs.js';
import { executionQueueProcessors } from './execution-queue-processors.js';
import { ExecutionReader } from './execution-reader.js';
import { ExecutionRunner } from './execution-runner.js';
import { ExecutionStore } from './execution-store.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';
import { ActiveExecutions } from './active-executions.js';
import { ExecutionTransitions } from './execution-transitions.js';
import { RecoveryService } from './recovery.service.js';
import { ExecutionSettlement } from './execution-settlement.js';
import { LinkedExecutions } from './linked-executions.js';
import { StepExecutor } from './step-executor.js';
import { WaitExpiry } from './wait-expiry.js';
// NOTE: provided here because the runner consumes the inbox right after parking; the webhooks in signals/ use it through this module.
import { EventTriggerService } from '../signals/event-trigger.service.js';
import { StartAdmission } from '../tenancy/start-admission.js';
import { BillingModule } from '../billing/billing.module.js';

@Module({
  // NOTE: `registerQueue()` with no queue brings `@nestjs/bullmq`'s explorer (shared with the host's
  // own `BullModule`), which gives the library's `@Processor`s their workers; `BullModule.forRoot` is
  // never called, so the host's shared configuration and extra options stay its own.
  imports: [DiscoveryModule, BullModule.registerQueue(), InfrastructureModule, TenancyModule, BillingModule],
  providers: [
    AgentRegistry,
    AgentExplorer,
    AgentManager,
    ExecutionReader,
    ExecutionStore,
    ExecutionRunner,
    ExecutionEvents,
    ExecutionJobs,
    BackendQueueWorkers,
    ...executionQueueProcessors,
    LeaseHeartbeat,
    StepExecutor,
    ActiveExecutions,
    ExecutionTransitions,
    WaitExpiry,
    RecoveryService,
    ExecutionSettlement,
    LinkedExecutions,
    EventTriggerService,
    StartAdmission,
  ],
  exports: [AgentManager, ExecutionReader, ExecutionEvents, AgentRegistry, RecoveryService, EventTriggerService, WaitExpiry, ExecutionSettlement, LinkedExecutions],
})
export class ExecutionsModule {}
