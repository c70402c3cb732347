export const ScheduleStatus = {
  Active: 'active',
  Paused: 'paused',
} as const;
export type ScheduleStatus = (typeof ScheduleStatus)[keyof typeof ScheduleStatus];
