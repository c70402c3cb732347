/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Rounds a figure for the JSON line (3 decimals by default). */
export const round = (value: number, decimals = 3): number => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

export const median = (samples: readonly number[]): number => percentile(samples, 50);
