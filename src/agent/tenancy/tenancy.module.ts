import { Module } from '@nestjs/common';
import { AdminGuard, PrincipalGuard } from './principal.guard.js';
import { RealtimeTokenService } from './realtime-token.service.js';
import { TierPolicies } from './tier-policies.js';
import { WorkspaceService } from './workspace.service.js';

/** Who is calling (the principal guard, realtime tokens), what their tier allows, and their workspaces. */
@Module({
  providers: [PrincipalGuard, AdminGuard, RealtimeTokenService, TierPolicies, WorkspaceService],
  exports: [PrincipalGuard, AdminGuard, RealtimeTokenService, TierPolicies, WorkspaceService],
})
export class TenancyModule {}
