import { CanActivate, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';

/** The dashboard's API routes exist only when the dashboard is enabled: 404 otherwise, before any auth. */
@Injectable()
export class DashboardEnabledGuard implements CanActivate {
  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions) {}

  canActivate(): boolean {
    if (!this.options.dashboard.enabled) throw new NotFoundException('Not Found');
    return true;
  }
}
