import { Module } from '@nestjs/common';
import { AdminGuard, PrincipalGuard } from './principal.guard.js';
import { RealtimeTokenService } from './realtime-token.service.js';
import { TierPolicies } from './tier-policies.js';

/** Who is calling: the principal guard and the realtime tokens that stand for a principal. */
@Module({
  providers: [PrincipalGuard, AdminGuard, RealtimeTokenService, TierPolicies],
  exports: [PrincipalGuard, AdminGuard, RealtimeTokenService, TierPolicies],
})
export class TenancyModule {}
