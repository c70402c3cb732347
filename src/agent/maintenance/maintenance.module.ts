import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { WorkspacesModule } from '../workspaces/workspaces.module.js';
import { MaintenanceCrons } from './maintenance-crons.js';
import { MaintenanceLock } from './maintenance-lock.js';
import { MaintenanceService } from './maintenance.service.js';

/** Recovery and cleanup (SPEC §14): a service the CLI calls, and the crons that call it on a schedule. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, TenancyModule, WorkspacesModule],
  providers: [MaintenanceLock, MaintenanceService, MaintenanceCrons],
  exports: [MaintenanceService, MaintenanceCrons],
})
export class MaintenanceModule {}
