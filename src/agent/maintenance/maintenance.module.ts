import { Module } from '@nestjs/common';
import { ExecutionTransitions } from '../executions/execution-transitions.js';
import { ExecutionsModule } from '../executions/executions.module.js';
import { WaitExpiry } from '../executions/wait-expiry.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { MaintenanceCrons } from './maintenance-crons.js';
import { MaintenanceLock } from './maintenance-lock.js';
import { MaintenanceService } from './maintenance.service.js';

/** Recovery and cleanup (SPEC §14): a service the CLI calls, and the crons that call it on a schedule. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  providers: [
    MaintenanceLock,
    MaintenanceService,
    MaintenanceCrons,
    // NOTE: ExecutionsModule does not export the wait expiry; both are stateless, so a second instance is safe.
    ExecutionTransitions,
    WaitExpiry,
  ],
  exports: [MaintenanceService, MaintenanceCrons],
})
export class MaintenanceModule {}
