import { Module } from '@nestjs/common';
import { AdminGuard, PrincipalGuard } from './principal.guard.js';
import { StreamPrincipalGuard } from './stream-principal.guard.js';
import { RealtimeTokenService } from './realtime-token.service.js';
import { TierPolicies } from './tier-policies.js';

/** Who is calling (the principal guard, realtime tokens) and what their tier allows. */
@Module({
  providers: [PrincipalGuard, AdminGuard, StreamPrincipalGuard, RealtimeTokenService, TierPolicies],
  exports: [PrincipalGuard, AdminGuard, StreamPrincipalGuard, RealtimeTokenService, TierPolicies],
})
export class TenancyModule {}
