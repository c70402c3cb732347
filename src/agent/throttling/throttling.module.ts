import { Module } from '@nestjs/common';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { AGENT_THROTTLER_STORAGE, throttlerStorageProvider } from '../infrastructure/throttler-storage.provider.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { AGENT_THROTTLER_OPTIONS, agentThrottlerOptions } from './agent-throttler-options.js';
import { AgentThrottlerGuard } from './agent-throttler.guard.js';
import { ThrottledCallers } from './throttled-caller.js';

/**
 * Request rates per tier: `AgentThrottlerGuard` and what it needs, under the library's own tokens.
 * NOTE: it does not import `ThrottlerModule` (a global module: its options and storage would
 * collide with a host's own); the guard is the throttler's, configured here.
 */
@Module({
  imports: [InfrastructureModule, TenancyModule],
  providers: [
    { provide: AGENT_THROTTLER_OPTIONS, useFactory: agentThrottlerOptions },
    throttlerStorageProvider,
    ThrottledCallers,
    AgentThrottlerGuard,
  ],
  exports: [AGENT_THROTTLER_OPTIONS, AGENT_THROTTLER_STORAGE, ThrottledCallers, AgentThrottlerGuard],
})
export class ThrottlingModule {}
