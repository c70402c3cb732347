import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedMaintenanceOptions } from './maintenance.options.js';
import { MaintenanceService } from './maintenance.service.js';
import { MaintenanceJob, type CleanupReport, type RecoverStuckReport, type SkippedReport } from './maintenance-report.js';

/** The name of a job in the host app's `SchedulerRegistry`. */
export const maintenanceCronName = (job: MaintenanceJob): string => `agents.maintenance.${job}`;

export interface ScheduledMaintenance {
  job: MaintenanceJob;
  cron: string;
  nextRunAt: Date;
}

/**
 * The maintenance crons, on every node that enables them: the advisory lock inside each run
 * decides which node does the work, so replicas need no coordination here.
 *
 * NOTE: built from the options at bootstrap rather than with `@Cron()` and the library's own
 * `ScheduleModule.forRoot()`: a decorator's expression is fixed when the class loads, and Nest
 * tells dynamic modules apart by reference, so a second `ScheduleModule` would run every `@Cron`
 * of a host app that has its own twice. When the host has `ScheduleModule`, the jobs are added to
 * its `SchedulerRegistry` (under `agents.maintenance.*`) so they show up with its own.
 */
@Injectable()
export class MaintenanceCrons implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AgentMaintenance');
  private readonly jobs = new Map<MaintenanceJob, CronJob>();
  private registry: SchedulerRegistry | null = null;

  constructor(
    private readonly maintenance: MaintenanceService,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedMaintenanceOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.maintenance.enabled) return;
    this.registry = this.hostRegistry();
    this.schedule(MaintenanceJob.RecoverStuck, this.options.maintenance.recoverStuckCron, () => this.runRecoverStuck());
    this.schedule(MaintenanceJob.Cleanup, this.options.maintenance.cleanupCron, () => this.runCleanup());
  }

  /** Cron body of `recover-stuck`. */
  runRecoverStuck(): Promise<RecoverStuckReport | SkippedReport> {
    return this.maintenance.recoverStuck();
  }

  /** Cron body of `cleanup`. */
  runCleanup(): Promise<CleanupReport | SkippedReport> {
    return this.maintenance.cleanup();
  }

  /** What is scheduled in this process (nothing when maintenance is disabled or stopped). */
  scheduled(): ScheduledMaintenance[] {
    return [...this.jobs].map(([job, cron]) => ({ job, cron: String(cron.cronTime.source), nextRunAt: cron.nextDate().toJSDate() }));
  }

  /** Stops the crons and waits for a run in progress; runs can still be made by calling the service. */
  async stop(): Promise<void> {
    const jobs = [...this.jobs];
    this.jobs.clear();
    await Promise.all(
      jobs.map(async ([job, cron]) => {
        const name = maintenanceCronName(job);
        if (this.registry?.doesExist('cron', name) && this.registry.getCronJob(name) === cron) this.registry.deleteCronJob(name);
        await cron.stop();
      }),
    );
  }

  /** Before the pool closes: a run in progress finishes first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private schedule(job: MaintenanceJob, expression: string, run: () => Promise<unknown>): void {
    const cron = CronJob.from({
      cronTime: expression,
      name: maintenanceCronName(job),
      onTick: async () => {
        await run();
      },
      errorHandler: (error) => this.logger.error(`${job} failed: ${(error as Error)?.message ?? error}`, (error as Error)?.stack),
      // The lock already keeps nodes apart; this keeps a slow run from being started again here.
      waitForCompletion: true,
      start: true,
    });
    this.jobs.set(job, cron);
    if (this.registry) {
      try {
        this.registry.addCronJob(maintenanceCronName(job), cron);
      } catch (error) {
        this.logger.warn(`${maintenanceCronName(job)} is not listed in the SchedulerRegistry: ${(error as Error).message}`);
      }
    }
  }

  /** The host app's `SchedulerRegistry` when it imports `ScheduleModule`, else none. */
  private hostRegistry(): SchedulerRegistry | null {
    try {
      return this.moduleRef.get(SchedulerRegistry, { strict: false });
    } catch {
      return null;
    }
  }
}
