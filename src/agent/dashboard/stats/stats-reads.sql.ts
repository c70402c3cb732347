import { PARKED_STATUSES } from '../../executions/execution-status.js';
import { P50, P95, percentileSql } from './duration-histogram.js';

/**
 * What the dashboard's statistics routes read: a window of one tenant's rollup buckets (one range
 * of the primary key each), and the tenant's executions that run or wait now (indexes that lead with
 * the tenant and its live statuses: `idx_agent_executions_tenant_status`, and the partial
 * `idx_agent_executions_owner_live`). Nothing here grows with the history.
 */

/** The rows of one dimension over a window, by key then time. $1 tenant · $2 bucket seconds · $3 dimension · $4 from · $5 to */
export const SERIES_SQL = `
SELECT bucket_at, key, created, completed, failed, cancelled, leases, steps, step_p50_ms, step_p95_ms, wait_p50_ms, wait_p95_ms,
       input_tokens, output_tokens, cost_usd, requests
FROM agent_stats_rollups
WHERE tenant_id = $1 AND bucket_seconds = $2 AND dimension = $3 AND bucket_at >= $4 AND bucket_at < $5
ORDER BY key, bucket_at`;

/**
 * A histogram column pair of the window's tenant rows, merged bin by bin (`bins`, `counts` ascending).
 * NOTE: the arrays unnested side by side in the select list (a ProjectSet), not as a lateral function
 * scan per row: a third of the time over a week's 168 histograms.
 */
const merged = (name: 'step' | 'wait') => `${name} AS (
  SELECT array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts
  FROM (SELECT bin, sum(n)::int AS n FROM (SELECT unnest(${name}_bins) AS bin, unnest(${name}_counts) AS n FROM w) u GROUP BY bin) b
)`;

/** The window's step and wait percentiles, from its buckets' histograms. $1 tenant · $2 bucket seconds · $3 from · $4 to */
export const WINDOW_PERCENTILES_SQL = `
WITH w AS (
  SELECT step_bins, step_counts, wait_bins, wait_counts FROM agent_stats_rollups
  WHERE tenant_id = $1 AND bucket_seconds = $2 AND dimension = '' AND bucket_at >= $3 AND bucket_at < $4
), ${merged('step')}, ${merged('wait')}
SELECT ${percentileSql('step.bins', 'step.counts', P50)} AS step_p50_ms, ${percentileSql('step.bins', 'step.counts', P95)} AS step_p95_ms,
       ${percentileSql('wait.bins', 'wait.counts', P50)} AS wait_p50_ms, ${percentileSql('wait.bins', 'wait.counts', P95)} AS wait_p95_ms
FROM step, wait`;

/**
 * One dimension's sums over a window, per key, the costliest first (then by key).
 * $1 tenant · $2 bucket seconds · $3 dimension · $4 from · $5 to
 */
export const WINDOW_SUMS_SQL = `
SELECT key, sum(completed)::int AS completed, sum(failed)::int AS failed, sum(cancelled)::int AS cancelled,
       sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens, sum(cost_usd) AS cost_usd,
       sum(requests)::int AS requests
FROM agent_stats_rollups
WHERE tenant_id = $1 AND bucket_seconds = $2 AND dimension = $3 AND bucket_at >= $4 AND bucket_at < $5
GROUP BY key ORDER BY sum(cost_usd) DESC, key`;

const LIVE = `('running', ${PARKED_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** The tenant's executions running or parked now, by status. $1 tenant */
export const CURRENT_SQL = `
SELECT status, count(*)::int AS n FROM agent_executions WHERE tenant_id = $1 AND status IN ${LIVE} GROUP BY status`;

/**
 * Executions nothing moves: running with no heartbeat since (a dead worker no other took over, a
 * continuation no worker took), pending with no worker taking them, or scheduled and due long ago;
 * those stuck longest first. $1 tenant · $2 now · $3 threshold (s) · $4 limit
 */
export const STUCK_SQL = `
SELECT id, agent_type, user_id, status, since FROM (
  SELECT id, agent_type, user_id, status, COALESCE(lease_heartbeat_at, updated_at) AS since FROM agent_executions
  WHERE tenant_id = $1 AND status = 'running' AND COALESCE(lease_heartbeat_at, updated_at) < $2::timestamptz - make_interval(secs => $3)
  UNION ALL
  SELECT id, agent_type, user_id, status, updated_at FROM agent_executions
  WHERE tenant_id = $1 AND status = 'pending' AND updated_at < $2::timestamptz - make_interval(secs => $3)
  UNION ALL
  SELECT id, agent_type, user_id, status, scheduled_for FROM agent_executions
  WHERE tenant_id = $1 AND status = 'scheduled' AND scheduled_for < $2::timestamptz - make_interval(secs => $3)
) stuck
ORDER BY since, id LIMIT $4`;
