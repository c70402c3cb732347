/**
 * Durations are kept as histograms, so buckets merge (a day's percentiles from its hours) without
 * keeping every value: a bin is a duration truncated to two significant digits (below 100 ms, the
 * value itself), so a percentile is within 10 % below the true one, and exact for round values
 * (40 ms, 250 ms, 1.5 s). A bucket stores two arrays, the bins ascending and their counts.
 */

/** The bin of a whole number of milliseconds, as SQL (`v`: a non-negative bigint expression). */
export const binOfSql = (v: string): string =>
  `(CASE WHEN ${v} < 100 THEN ${v} ELSE ${v} - ${v} % power(10, length(${v}::text) - 2)::bigint END)`;

/** The same in JavaScript, for whoever reads a percentile and wants to know what it stands for. */
export function durationBin(ms: number): number {
  const v = Math.max(0, Math.floor(ms));
  if (v < 100) return v;
  const scale = 10 ** (String(v).length - 2);
  return v - (v % scale);
}

/** The percentiles the charts show, as exact decimals (a float 0.95 × 20 could round up to the 20th value). */
export const P50 = '0.5';
export const P95 = '0.95';

/**
 * The nearest-rank percentile of a histogram, as a SQL scalar subquery: the lowest bin whose
 * running count reaches `ceil(p × total)`; null for an empty histogram.
 */
export const percentileSql = (bins: string, counts: string, p: typeof P50 | typeof P95): string => `(
  SELECT h.bin FROM (
    SELECT bin, sum(n) OVER (ORDER BY bin) AS running, sum(n) OVER () AS total FROM unnest(${bins}, ${counts}) AS u(bin, n)
  ) h WHERE h.running >= ceil(${p}::numeric * h.total) ORDER BY h.bin LIMIT 1)`;
