/** How far back a chart looks: the last hour in 1-minute buckets, the last day in 10-minute ones, the last week in hours. */
export const StatsWindow = { Hour: 'hour', Day: 'day', Week: 'week' } as const;
export type StatsWindow = (typeof StatsWindow)[keyof typeof StatsWindow];
export const STATS_WINDOWS: readonly StatsWindow[] = Object.values(StatsWindow);

/** The bucket sizes the rollup keeps, finest first: each is made from the one before it. */
export const BUCKET_SECONDS = [60, 600, 3600] as const;
export type BucketSeconds = (typeof BUCKET_SECONDS)[number];

const SHAPES: Record<StatsWindow, { bucketSeconds: BucketSeconds; buckets: number }> = {
  hour: { bucketSeconds: 60, buckets: 60 },
  day: { bucketSeconds: 600, buckets: 144 },
  week: { bucketSeconds: 3600, buckets: 168 },
};

/** The longest window: how far back a first boot fills the rollup, at most. */
export const LONGEST_WINDOW_SECONDS = 3600 * 168;

export interface WindowRange {
  window: StatsWindow;
  bucketSeconds: BucketSeconds;
  /** The oldest bucket's start. */
  from: Date;
  /** The end of the newest bucket, the one `now` falls in (exclusive). */
  to: Date;
  /** Every bucket's start, oldest first. */
  buckets: Date[];
}

/** Start of the bucket `at` falls in: buckets are aligned on the epoch (UTC), like `date_bin` with origin 'epoch'. */
export const bucketStart = (at: Date, bucketSeconds: number): Date =>
  new Date(Math.floor(at.getTime() / (bucketSeconds * 1000)) * bucketSeconds * 1000);

/** The window ending with the bucket that holds `now`: its newest bucket is still filling. */
export function windowRange(window: StatsWindow, now: Date): WindowRange {
  const { bucketSeconds, buckets } = SHAPES[window];
  const step = bucketSeconds * 1000;
  const last = bucketStart(now, bucketSeconds).getTime();
  const first = last - (buckets - 1) * step;
  return {
    window,
    bucketSeconds,
    from: new Date(first),
    to: new Date(last + step),
    buckets: Array.from({ length: buckets }, (_, i) => new Date(first + i * step)),
  };
}
