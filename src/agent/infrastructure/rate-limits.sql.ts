/**
 * Counts one hit, in one round trip, under the row lock `ON CONFLICT DO UPDATE` takes, so nodes
 * counting at once never lose a hit. The same rules as `@nestjs/throttler`'s own storage: a window
 * starts at its first hit; past the limit the caller is blocked for `block_ms` (0: to the window's
 * end) and not counted; when the block (or the window) ends, counting starts afresh.
 * $1 key, $2 ttl_ms, $3 limit, $4 block_ms
 */
const BLOCKED = `r.blocked_until > now()`;
const RESTARTS = `(r.window_ends_at <= now() OR r.blocked_until IS NOT NULL)`;
const NEXT_HITS = `CASE WHEN ${BLOCKED} THEN r.hits WHEN ${RESTARTS} THEN 1 ELSE r.hits + 1 END`;
const NEXT_WINDOW_END = `CASE WHEN ${BLOCKED} OR NOT ${RESTARTS} THEN r.window_ends_at ELSE EXCLUDED.window_ends_at END`;

const blockEnd = (windowEnd: string) => `CASE WHEN $4 > 0 THEN now() + $4 * interval '1 millisecond' ELSE ${windowEnd} END`;

export const COUNT_HIT_SQL = `
  INSERT INTO agent_rate_limits AS r (key, hits, window_ends_at, blocked_until)
  VALUES ($1, 1, now() + $2 * interval '1 millisecond', CASE WHEN 1 > $3 THEN ${blockEnd(`now() + $2 * interval '1 millisecond'`)} END)
  ON CONFLICT (key) DO UPDATE SET
    hits = ${NEXT_HITS},
    window_ends_at = ${NEXT_WINDOW_END},
    blocked_until = CASE
      WHEN ${BLOCKED} THEN r.blocked_until
      WHEN ${NEXT_HITS} > $3 THEN ${blockEnd(NEXT_WINDOW_END)}
    END
  RETURNING hits,
            greatest(0, ceil(extract(epoch FROM window_ends_at - now())))::int AS seconds_to_expire,
            coalesce(blocked_until > now(), false) AS blocked,
            coalesce(ceil(extract(epoch FROM blocked_until - now())), 0)::int AS seconds_to_unblock`;

/**
 * Rows whose window and block are over, older than a minute: a caller's next hit recreates its row.
 * One node at a time (the others find the lock taken and skip).
 */
export const SWEEP_EXPIRED_SQL = `
  WITH turn AS (SELECT pg_try_advisory_xact_lock($1) AS mine)
  DELETE FROM agent_rate_limits r USING turn
   WHERE turn.mine
     AND r.window_ends_at < now() - interval '1 minute'
     AND (r.blocked_until IS NULL OR r.blocked_until < now() - interval '1 minute')`;
