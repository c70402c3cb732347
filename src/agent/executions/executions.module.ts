import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { WorkspacesModule } from '../workspaces/workspaces.module.js';
import { McpModule } from '../mcp/mcp.module.js';
import { AgentExplorer } from './registry/agent.explorer.js';
import { AgentManager } from './lifecycle/agent-manager.js';
import { ExecutionControls } from './lifecycle/execution-controls.js';
import { ToolApprovals } from './lifecycle/tool-approvals.js';
import { ExecutionForks } from './lifecycle/execution-forks.js';
import { ExecutionRetries } from './lifecycle/execution-retries.js';
import { BulkCancel } from './lifecycle/bulk-cancel.js';
import { ConcurrencyKeys } from './lifecycle/concurrency-keys.js';
import { StartPreparation } from './lifecycle/start-preparation.js';
import { AgentRegistry } from './registry/agent-registry.js';
import { AgentInputCheck } from './registry/agent-input-check.js';
import { ExecutionEvents } from './execution-events.js';
import { BackendQueueWorkers } from './run/backend-queue-workers.js';
import { ExecutionJobs } from './run/execution-jobs.js';
import { executionQueueProcessors } from './run/execution-queue-processors.js';
import { ExecutionReader } from './http/execution-reader.js';
import { ExecutionTranscript } from './http/execution-transcript.js';
import { ExecutionTimeline } from './http/execution-timeline.js';
import { ExecutionRunner } from './run/execution-runner.js';
import { RunCommits } from './run/run-commits.js';
import { RunEndings } from './run/run-endings.js';
import { StepLoop } from './run/step-loop.js';
import { ExecutionStore } from './run/execution-store.js';
import { LeaseHeartbeat } from './run/lease-heartbeat.js';
import { ActiveExecutions } from './run/active-executions.js';
import { ExecutionTransitions } from './lifecycle/execution-transitions.js';
import { RecoveryService } from './lifecycle/recovery.service.js';
import { ExecutionRetention } from './lifecycle/execution-retention.js';
import { ExecutionSettlement } from './lifecycle/execution-settlement.js';
import { LinkedExecutions } from './lifecycle/linked-executions.js';
import { ExecutionFamily } from './lifecycle/execution-family.js';
import { ExecutionHistory } from './lifecycle/execution-history.js';
import { ExecutionBudgets } from './lifecycle/execution-budgets.js';
import { StepExecutor } from './run/step-executor.js';
import { WaitExpiry } from './lifecycle/wait-expiry.js';
// NOTE: provided here because the runner consumes the inbox right after parking; the webhooks in signals/ use it through this module.
import { EventTriggerService } from './lifecycle/event-trigger.service.js';
import { StartAdmission } from './lifecycle/start-admission.js';
import { EAGER_START } from './lifecycle/eager-start.port.js';
import { EagerStart } from './run/eager-start.js';
import { EagerSlots } from './run/eager-slots.js';
import { BillingModule } from '../billing/billing.module.js';

@Module({
  // NOTE: `registerQueue()` with no queue brings `@nestjs/bullmq`'s explorer (shared with the host's
  // own `BullModule`), which gives the library's `@Processor`s their workers; `BullModule.forRoot` is
  // never called, so the host's shared configuration and extra options stay its own.
  imports: [DiscoveryModule, BullModule.registerQueue(), InfrastructureModule, TenancyModule, WorkspacesModule, McpModule, BillingModule],
  providers: [
    AgentRegistry,
    AgentInputCheck,
    AgentExplorer,
    AgentManager,
    StartPreparation,
    ExecutionControls,
    ToolApprovals,
    ExecutionForks,
    ExecutionRetries,
    BulkCancel,
    ConcurrencyKeys,
    ExecutionReader,
    ExecutionTranscript,
    ExecutionTimeline,
    ExecutionStore,
    ExecutionRunner,
    StepLoop,
    RunCommits,
    RunEndings,
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
    ExecutionRetention,
    ExecutionSettlement,
    LinkedExecutions,
    ExecutionFamily,
    ExecutionHistory,
    ExecutionBudgets,
    EventTriggerService,
    StartAdmission,
    EagerSlots,
    { provide: EAGER_START, useClass: EagerStart },
  ],
  exports: [
    AgentManager,
    ExecutionReader,
    ExecutionTranscript,
    ExecutionTimeline,
    ExecutionEvents,
    AgentRegistry,
    AgentInputCheck,
    ExecutionTransitions,
    RecoveryService,
    ExecutionRetention,
    EventTriggerService,
    WaitExpiry,
    ExecutionSettlement,
    LinkedExecutions,
    ExecutionFamily,
    ExecutionHistory,
  ],
})
export class ExecutionsModule {}
