/**
 * Wall-clock time with sub-millisecond resolution, comparable across processes on this machine and
 * with PostgreSQL's `now()` / `clock_timestamp()` (all read the system's realtime clock).
 *
 * `Date.now()` has millisecond resolution; `performance.now()` is finer but monotonic, and its
 * origin drifts from the realtime clock while NTP slews it. So each process maps one onto the
 * other at a `Date.now()` tick (`calibrate()`, error ≈ one loop iteration, well under 10 µs) and
 * re-calibrates right before each measurement.
 */
let offsetMs = calibrateOffset();

function calibrateOffset(): number {
  const first = Date.now();
  let before: number;
  let tick: number;
  do {
    before = performance.now();
    tick = Date.now();
  } while (tick === first);
  // The clock ticked to `tick` after the previous iteration; `before` was read just before it.
  return tick - before;
}

/** Re-maps performance.now() onto the realtime clock (takes up to 1 ms of spinning). */
export function calibrate(): void {
  offsetMs = calibrateOffset();
}

/** Milliseconds since the epoch, sub-millisecond resolution. */
export const wallNow = (): number => performance.now() + offsetMs;

/** Maps a performance.now() reading onto the wall clock. */
export const toWall = (performanceNow: number): number => performanceNow + offsetMs;

/**
 * How far PostgreSQL's clock is from ours: `clock_timestamp()` against the midpoint of the round
 * trip that read it, best of `samples` (smallest round trip). Both read the same system clock,
 * so this should be ~0 within half a round trip; it validates comparing `created_at` to arrivals.
 */
export async function databaseClockOffsetMs(
  sql: { query(text: string): Promise<{ rows: { ms: string }[] }> },
  samples = 20,
): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    const t0 = wallNow();
    const { rows } = await sql.query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::text AS ms');
    const t1 = wallNow();
    const rtt = t1 - t0;
    if (rtt < best.rttMs) best = { offsetMs: Number(rows[0].ms) - (t0 + t1) / 2, rttMs: rtt };
  }
  return best;
}
