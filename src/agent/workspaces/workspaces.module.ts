import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { WorkspaceService } from './workspace.service.js';

/** Per-execution workspaces, their quotas, and the sandbox the `bash` tool runs in. */
@Module({
  imports: [TenancyModule],
  providers: [WorkspaceService],
  exports: [WorkspaceService],
})
export class WorkspacesModule {}
