import { useState } from 'preact/hooks';
import type { StatsWindow } from '../../../../../client/index.js';

const KEY = 'agents-dashboard-window';
const WINDOWS: StatsWindow[] = ['hour', 'day', 'week'];

/**
 * The charts' time window, shared by the Overview, Queues and Usage views and kept for the tab's
 * life (sessionStorage), so moving between them keeps the window the admin chose.
 */
export function useStatsWindow(): [StatsWindow, (window: StatsWindow) => void] {
  const [window, setWindow] = useState<StatsWindow>(() => {
    const stored = sessionStorage.getItem(KEY) as StatsWindow | null;
    return stored && WINDOWS.includes(stored) ? stored : 'hour';
  });
  return [
    window,
    (next) => {
      sessionStorage.setItem(KEY, next);
      setWindow(next);
    },
  ];
}

/** "per minute", "per 10 min", "per hour": what one bar or point of a chart covers. */
export function perBucket(seconds: number): string {
  if (seconds === 60) return 'per minute';
  if (seconds === 3600) return 'per hour';
  return seconds % 60 === 0 ? `per ${seconds / 60} min` : `per ${seconds} s`;
}

/** The buckets' start times in milliseconds, for a chart's x axis. */
export const bucketTimes = (series: { at: string }[]): number[] => series.map((b) => Date.parse(b.at));
