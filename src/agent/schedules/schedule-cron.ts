import { CronTime } from 'cron';
import { InvalidScheduleError } from '../errors/schedule.errors.js';

/** A cron expression (5 fields, or 6 with seconds first) in an IANA time zone. */
export interface CronSpec {
  cron: string;
  timeZone: string;
}

/** The expression parsed in its zone; a bad expression or an unknown zone is a 400. */
export function parseCron({ cron, timeZone }: CronSpec): CronTime {
  if (typeof cron !== 'string' || cron.trim() === '' || cron.length > 200) throw new InvalidScheduleError('cron must be a cron expression');
  const check = CronTime.validateCronExpression(cron);
  if (!check.valid) throw new InvalidScheduleError(`Invalid cron expression '${cron}': ${check.error?.message ?? 'not understood'}`);
  try {
    return new CronTime(cron, timeZone);
  } catch (error) {
    throw new InvalidScheduleError(`Invalid time zone '${timeZone}': ${(error as Error).message} (use an IANA name such as Europe/Paris)`);
  }
}

/** The first tick strictly after `after`. */
export function nextTick(spec: CronSpec | CronTime, after: Date): Date {
  const time = spec instanceof CronTime ? spec : parseCron(spec);
  // NOTE: the zone is passed again: without it `getNextDateFrom` counts in the process's zone.
  return time.getNextDateFrom(after, time.timeZone).toJSDate();
}
