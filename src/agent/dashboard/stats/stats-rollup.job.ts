import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { ResolvedDashboardOptions } from '../dashboard.options.js';
import { StatsRollup } from './stats-rollup.js';

/**
 * Runs the rollup every `dashboard.stats.rollupIntervalMs` on this node, when the dashboard is on:
 * the first cycle fills the window from the rows already there, each later one rewrites the recent
 * buckets. Nodes take turns through the rollup's advisory lock. Stopped at `app.close()`, a cycle in
 * progress finishing its step first (a backfill stops between hours).
 */
@Injectable()
export class StatsRollupJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DashboardStats');
  readonly rollup: StatsRollup;
  private timer: NodeJS.Timeout | null = null;
  private cycle: Promise<void> | null = null;
  private stopped = false;
  private failing = false;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {
    this.rollup = new StatsRollup(database.pool, options.dashboard.stats);
  }

  onApplicationBootstrap(): void {
    const { enabled, stats } = this.options.dashboard;
    if (enabled && stats.rollupIntervalMs > 0) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.cycle;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.cycle = this.runCycle().finally(() => {
        this.cycle = null;
        if (!this.stopped) this.schedule(this.options.dashboard.stats.rollupIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runCycle(): Promise<void> {
    try {
      await this.rollup.run({ shouldStop: () => this.stopped });
      if (this.failing) this.logger.log('The statistics rollup works again');
      this.failing = false;
    } catch (error) {
      // NOTE: said once per outage, not every few seconds; the next cycle starts from where the last one stopped.
      if (!this.failing) this.logger.warn(`The statistics rollup failed (retried every cycle): ${(error as Error).message}`);
      this.failing = true;
    }
  }
}
