import { parseArgs } from 'node:util';
import type { MaintenanceService } from './maintenance.service.js';
import { MaintenanceJob, type MaintenanceReport } from './maintenance-report.js';

/** The maintenance jobs as commands, for a host app's CLI (`npm run agents -- <command>` in the example app). */
export type MaintenanceCommand =
  | { name: 'help' }
  | { name: typeof MaintenanceJob.RecoverStuck; afterSeconds?: number; json: boolean; verbose: boolean }
  | { name: typeof MaintenanceJob.Cleanup; executionRetentionDays?: number; logRetentionDays?: number; json: boolean; verbose: boolean };

export const MaintenanceExitCode = {
  Done: 0,
  Failed: 1,
  /** Bad arguments. */
  Usage: 2,
  /** Another instance is running the same job (EX_TEMPFAIL): nothing was done, try again later. */
  Busy: 75,
} as const;

export const MAINTENANCE_USAGE = `Usage: npm run agents -- <command> [options]

Commands:
  recover-stuck [--timeout=<minutes>]
      Running executions whose worker has not heartbeated for that long go back to pending
      and get a job again (default: maintenance.recoverStuckAfterSeconds, 30 minutes).
  cleanup [--days=<n>] [--logs-days=<n>]
      Deletes completed, failed and cancelled executions older than <n> days with their logs,
      messages and signals (default 30), logs older than <logs-days> days (default 7), and
      fails executions whose input or event wait has expired.

Options:
  --json       print the report as JSON
  --verbose    show the app's logs (on stderr)
  --help       show this help

Exit codes: 0 done, 1 failed, 2 bad arguments, 75 another instance is running the same job.
The database and queue come from the same environment as the app (DATABASE_URL, REDIS_URL, ...).`;

export class MaintenanceUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MaintenanceUsageError';
  }
}

const COMMON = { json: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false } } as const;

/** Parses `<command> [--options]`; throws `MaintenanceUsageError` saying what is wrong. */
export function parseMaintenanceCommand(argv: readonly string[]): MaintenanceCommand {
  const [name, ...rest] = argv;
  if (name === undefined) throw new MaintenanceUsageError('No command given.');
  if (name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (rest.includes('--help') || rest.includes('-h')) return { name: 'help' };
  switch (name) {
    case MaintenanceJob.RecoverStuck: {
      const values = parseOptions(name, rest, { ...COMMON, timeout: { type: 'string' } });
      const minutes = positiveInteger('--timeout', values.timeout, 'minutes');
      return { name, afterSeconds: minutes === undefined ? undefined : minutes * 60, json: values.json, verbose: values.verbose };
    }
    case MaintenanceJob.Cleanup: {
      const values = parseOptions(name, rest, { ...COMMON, days: { type: 'string' }, 'logs-days': { type: 'string' } });
      return {
        name,
        executionRetentionDays: positiveInteger('--days', values.days, 'days'),
        logRetentionDays: positiveInteger('--logs-days', values['logs-days'], 'days'),
        json: values.json,
        verbose: values.verbose,
      };
    }
    default:
      throw new MaintenanceUsageError(`Unknown command '${name}'. Commands: ${Object.values(MaintenanceJob).join(', ')}.`);
  }
}

/** Runs a parsed command (not `help`) through the service. */
export function runMaintenanceCommand(
  service: MaintenanceService,
  command: Exclude<MaintenanceCommand, { name: 'help' }>,
): Promise<MaintenanceReport> {
  return command.name === MaintenanceJob.RecoverStuck
    ? service.recoverStuck({ afterSeconds: command.afterSeconds })
    : service.cleanup({ executionRetentionDays: command.executionRetentionDays, logRetentionDays: command.logRetentionDays });
}

/** One line per count, for people. */
export function describeMaintenanceReport(report: MaintenanceReport): string[] {
  if (report.skipped) return [`Skipped: another instance is running ${report.job} right now; nothing was done.`];
  if (report.job === MaintenanceJob.RecoverStuck) {
    const after = duration(report.afterSeconds);
    return [
      `Recovered ${plural(report.recovered, 'stuck execution')} (running, no heartbeat for ${after}): back to pending`,
      `Re-enqueued ${plural(report.requeued, 'pending execution')} waiting over ${after} (their job may have been lost)`,
      `Settled ${plural(report.settled, 'ended execution')} whose conversation, pipeline or parent had not heard of its end`,
    ];
  }
  return [
    `Deleted ${plural(report.executionsDeleted, 'finished execution')} older than ${plural(report.executionRetentionDays, 'day')}, with their logs, messages and signals`,
    `Deleted ${plural(report.logsDeleted, 'log')} older than ${plural(report.logRetentionDays, 'day')}`,
    `Failed ${plural(report.inputWaitsExpired, 'execution')} whose input wait had expired (awaiting_input_timeout)`,
    `Failed ${plural(report.eventWaitsExpired, 'execution')} whose event wait had expired (awaiting_event_timeout)`,
    `Deleted ${plural(report.inboxEventsDeleted, 'inbox event')} consumed or past their TTL`,
    `Deleted ${plural(report.deliveriesDeleted, 'webhook delivery id')} too old to be replayed`,
    `Removed ${plural(report.workspacesRemoved, 'workspace')} unused for ${plural(report.workspaceRetentionDays, 'day')}`,
  ];
}

export const exitCodeOf = (report: MaintenanceReport): number => (report.skipped ? MaintenanceExitCode.Busy : MaintenanceExitCode.Done);

type OptionSpec = Record<string, { type: 'string' | 'boolean'; default?: boolean }>;

function parseOptions<T extends OptionSpec>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new MaintenanceUsageError(`${command}: ${(error as Error).message}`);
  }
}

function positiveInteger(flag: string, raw: string | undefined, unit: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    throw new MaintenanceUsageError(`${flag} must be a positive whole number of ${unit} (got '${raw}').`);
  }
  return Number(raw);
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const duration = (seconds: number) => (seconds % 60 === 0 ? plural(seconds / 60, 'minute') : plural(seconds, 'second'));
