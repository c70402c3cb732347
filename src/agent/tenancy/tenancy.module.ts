import { Module } from '@nestjs/common';
import { AdminGuard, PrincipalGuard } from './principal.guard.js';
import { RealtimeTokenService } from './realtime-token.service.js';

/** Who is calling: the principal guard and the realtime tokens that stand for a principal. */
@Module({
  providers: [PrincipalGuard, AdminGuard, RealtimeTokenService],
  exports: [PrincipalGuard, AdminGuard, RealtimeTokenService],
})
export class TenancyModule {}
