import { binOfSql, P50, P95, percentileSql } from './duration-histogram.js';

/**
 * The rollup job's statements. They read the kernel's and billing's tables (never write them) and
 * rewrite `agent_stats_rollups`: a range of buckets is deleted and inserted again whole, in one
 * transaction under the job's advisory lock, so a cycle run twice, or a row committed late into a
 * bucket already rolled up, ends with the same rows as one run over the final data.
 */

const EPOCH = `TIMESTAMPTZ 'epoch'`;
const minuteOf = (column: string) => `date_bin(interval '60 seconds', ${column}, ${EPOCH})`;

/** The rollup's columns, in the order the statements below insert them. */
const ROLLUP_COLUMNS = `tenant_id, bucket_seconds, bucket_at, dimension, key, created, completed, failed, cancelled, leases, steps,
  step_bins, step_counts, step_p50_ms, step_p95_ms, wait_bins, wait_counts, wait_p50_ms, wait_p95_ms,
  input_tokens, output_tokens, cost_usd, requests`;

/** The percentiles of a row's two histograms, after its bins and counts. */
const PERCENTILES = (r: string) => `${r}.step_bins, ${r}.step_counts,
  ${percentileSql(`${r}.step_bins`, `${r}.step_counts`, P50)}, ${percentileSql(`${r}.step_bins`, `${r}.step_counts`, P95)},
  ${r}.wait_bins, ${r}.wait_counts,
  ${percentileSql(`${r}.wait_bins`, `${r}.wait_counts`, P50)}, ${percentileSql(`${r}.wait_bins`, `${r}.wait_counts`, P95)}`;

/** Removes the buckets of one size in a range, before they are inserted again. $1 bucket seconds · $2 from · $3 to */
export const DELETE_BUCKETS_SQL = `DELETE FROM agent_stats_rollups WHERE bucket_seconds = $1 AND bucket_at >= $2 AND bucket_at < $3`;

/**
 * The 1-minute buckets of [$1, $2), every tenant, from the source rows:
 * - `started` log rows (a worker took the lease; `context.waited_ms` the queue wait) and
 *   `step_completed` ones (`context.duration_ms`), by their `created_at` (index `idx_agent_logs_created`);
 * - executions created in the range (by id: uuid v7 ids grow with time; $3 the first id of the
 *   range less a margin for node clocks, `created_at` deciding the bucket), and executions ended
 *   in it (`completed_at`, reached through `idx_agent_executions_status_updated`: an ended row is
 *   updated last when it ends);
 * - usage records (model calls), per tenant through `idx_token_usage_tenant_recorded`, the
 *   tenants found by skipping through that index (one descent each).
 * Grouping sets give each bucket its tenant row and its rows per queue and agent type (counts),
 * per queue (wait histogram), per user and per model (usage).
 *
 * $1 from · $2 to · $3 the first execution id that can have been created in the range
 */
export const ROLL_UP_MINUTES_SQL = `
WITH RECURSIVE usage_tenants AS (
  (SELECT tenant_id FROM token_usage_records ORDER BY tenant_id LIMIT 1)
  UNION ALL
  SELECT (SELECT r.tenant_id FROM token_usage_records r WHERE r.tenant_id > t.tenant_id ORDER BY r.tenant_id LIMIT 1)
  FROM usage_tenants t WHERE t.tenant_id IS NOT NULL
), log_facts AS (
  SELECT e.tenant_id, e.queue, e.agent_type, ${minuteOf('l.created_at')} AS bucket_at, l.event_type,
         CASE WHEN jsonb_typeof(l.context -> f.field) = 'number' THEN GREATEST(0, floor((l.context ->> f.field)::double precision))::bigint END AS ms
  FROM agent_logs l
  JOIN agent_executions e ON e.id = l.execution_id
  CROSS JOIN LATERAL (SELECT CASE l.event_type WHEN 'started' THEN 'waited_ms' ELSE 'duration_ms' END AS field) f
  WHERE l.created_at >= $1 AND l.created_at < $2 AND l.event_type IN ('started', 'step_completed')
), counts AS (
  SELECT tenant_id, bucket_at, queue, agent_type, sum(created) AS created, sum(completed) AS completed, sum(failed) AS failed,
         sum(cancelled) AS cancelled, sum(leases) AS leases, sum(steps) AS steps
  FROM (
    SELECT tenant_id, bucket_at, queue, agent_type, 0 AS created, 0 AS completed, 0 AS failed, 0 AS cancelled,
           count(*) FILTER (WHERE event_type = 'started') AS leases, count(*) FILTER (WHERE event_type = 'step_completed') AS steps
    FROM log_facts GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT tenant_id, ${minuteOf('created_at')}, queue, agent_type, count(*), 0, 0, 0, 0, 0
    FROM agent_executions WHERE id >= $3::uuid AND created_at >= $1 AND created_at < $2
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT tenant_id, ${minuteOf('completed_at')}, queue, agent_type, 0, count(*) FILTER (WHERE status = 'completed'),
           count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'cancelled'), 0, 0
    FROM agent_executions
    WHERE status IN ('completed', 'failed', 'cancelled') AND updated_at >= $1 AND completed_at >= $1 AND completed_at < $2
    GROUP BY 1, 2, 3, 4
  ) facts
  GROUP BY 1, 2, 3, 4
), counts_keyed AS (
  SELECT tenant_id, bucket_at,
         CASE WHEN GROUPING(queue) = 0 THEN 'queue' WHEN GROUPING(agent_type) = 0 THEN 'agent_type' ELSE '' END AS dimension,
         CASE WHEN GROUPING(queue) = 0 THEN queue WHEN GROUPING(agent_type) = 0 THEN agent_type ELSE '' END AS key,
         sum(created)::int AS created, sum(completed)::int AS completed, sum(failed)::int AS failed,
         sum(cancelled)::int AS cancelled, sum(leases)::int AS leases, sum(steps)::int AS steps
  FROM counts
  GROUP BY tenant_id, bucket_at, GROUPING SETS ((), (queue), (agent_type))
), bins AS (
  SELECT tenant_id, bucket_at, queue, event_type, ${binOfSql('ms')} AS bin, count(*) AS n
  FROM log_facts WHERE ms IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5
), bins_keyed AS (
  SELECT tenant_id, bucket_at, CASE WHEN GROUPING(queue) = 0 THEN 'queue' ELSE '' END AS dimension,
         CASE WHEN GROUPING(queue) = 0 THEN queue ELSE '' END AS key, event_type, bin, sum(n)::int AS n
  FROM bins
  GROUP BY tenant_id, bucket_at, event_type, bin, GROUPING SETS ((), (queue))
), hists AS (
  -- Step durations for the tenant row only; queue waits for the tenant and each queue.
  SELECT tenant_id, bucket_at, dimension, key,
         COALESCE(array_agg(bin ORDER BY bin) FILTER (WHERE event_type = 'step_completed' AND dimension = ''), '{}') AS step_bins,
         COALESCE(array_agg(n ORDER BY bin) FILTER (WHERE event_type = 'step_completed' AND dimension = ''), '{}') AS step_counts,
         COALESCE(array_agg(bin ORDER BY bin) FILTER (WHERE event_type = 'started'), '{}') AS wait_bins,
         COALESCE(array_agg(n ORDER BY bin) FILTER (WHERE event_type = 'started'), '{}') AS wait_counts
  FROM bins_keyed GROUP BY 1, 2, 3, 4
), usage_rows AS (
  SELECT r.tenant_id, ${minuteOf('r.recorded_at')} AS bucket_at, r.user_id, r.model, r.input_tokens, r.output_tokens, r.cost_usd
  FROM usage_tenants t
  CROSS JOIN LATERAL (
    SELECT * FROM token_usage_records u WHERE u.tenant_id = t.tenant_id AND u.recorded_at >= $1 AND u.recorded_at < $2
  ) r
  WHERE t.tenant_id IS NOT NULL
), usage_keyed AS (
  SELECT tenant_id, bucket_at,
         CASE WHEN GROUPING(user_id) = 0 THEN 'user' WHEN GROUPING(model) = 0 THEN 'model' ELSE '' END AS dimension,
         CASE WHEN GROUPING(user_id) = 0 THEN user_id WHEN GROUPING(model) = 0 THEN model ELSE '' END AS key,
         sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens, sum(cost_usd) AS cost_usd,
         count(*)::int AS requests
  FROM usage_rows
  GROUP BY tenant_id, bucket_at, GROUPING SETS ((), (user_id), (model))
), rows AS (
  SELECT tenant_id, bucket_at, dimension, key,
         COALESCE(c.created, 0) AS created, COALESCE(c.completed, 0) AS completed, COALESCE(c.failed, 0) AS failed,
         COALESCE(c.cancelled, 0) AS cancelled, COALESCE(c.leases, 0) AS leases, COALESCE(c.steps, 0) AS steps,
         COALESCE(h.step_bins, '{}') AS step_bins, COALESCE(h.step_counts, '{}') AS step_counts,
         COALESCE(h.wait_bins, '{}') AS wait_bins, COALESCE(h.wait_counts, '{}') AS wait_counts,
         COALESCE(u.input_tokens, 0) AS input_tokens, COALESCE(u.output_tokens, 0) AS output_tokens,
         COALESCE(u.cost_usd, 0) AS cost_usd, COALESCE(u.requests, 0) AS requests
  FROM counts_keyed c
  FULL JOIN hists h USING (tenant_id, bucket_at, dimension, key)
  FULL JOIN usage_keyed u USING (tenant_id, bucket_at, dimension, key)
)
INSERT INTO agent_stats_rollups (${ROLLUP_COLUMNS})
SELECT r.tenant_id, 60, r.bucket_at, r.dimension, r.key, r.created, r.completed, r.failed, r.cancelled, r.leases, r.steps,
       ${PERCENTILES('r')}, r.input_tokens, r.output_tokens, r.cost_usd, r.requests
FROM rows r`;

/**
 * The buckets of size $1 in [$3, $4) (aligned to $1), made from the buckets of size $2 in the
 * same range: sums, and histograms merged bin by bin.
 * $1 bucket seconds · $2 source bucket seconds · $3 from · $4 to
 */
export const ROLL_UP_LEVEL_SQL = `
WITH src AS (
  SELECT *, date_bin(make_interval(secs => $1::int), bucket_at, ${EPOCH}) AS target_at
  FROM agent_stats_rollups WHERE bucket_seconds = $2 AND bucket_at >= $3 AND bucket_at < $4
), sums AS (
  SELECT tenant_id, target_at AS bucket_at, dimension, key, sum(created)::int AS created, sum(completed)::int AS completed,
         sum(failed)::int AS failed, sum(cancelled)::int AS cancelled, sum(leases)::int AS leases, sum(steps)::int AS steps,
         sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens, sum(cost_usd) AS cost_usd,
         sum(requests)::int AS requests
  FROM src GROUP BY 1, 2, 3, 4
), bins AS (
  -- NOTE: arrays unnested side by side in the select list: cheaper than a function scan per row.
  SELECT tenant_id, bucket_at, dimension, key, kind, bin, sum(n)::int AS n FROM (
    SELECT tenant_id, target_at AS bucket_at, dimension, key, 'step' AS kind, unnest(step_bins) AS bin, unnest(step_counts) AS n FROM src
    UNION ALL
    SELECT tenant_id, target_at, dimension, key, 'wait', unnest(wait_bins), unnest(wait_counts) FROM src
  ) u GROUP BY 1, 2, 3, 4, 5, 6
), hists AS (
  SELECT tenant_id, bucket_at, dimension, key,
         COALESCE(array_agg(bin ORDER BY bin) FILTER (WHERE kind = 'step'), '{}') AS step_bins,
         COALESCE(array_agg(n ORDER BY bin) FILTER (WHERE kind = 'step'), '{}') AS step_counts,
         COALESCE(array_agg(bin ORDER BY bin) FILTER (WHERE kind = 'wait'), '{}') AS wait_bins,
         COALESCE(array_agg(n ORDER BY bin) FILTER (WHERE kind = 'wait'), '{}') AS wait_counts
  FROM bins GROUP BY 1, 2, 3, 4
), rows AS (
  SELECT s.*, COALESCE(h.step_bins, '{}') AS step_bins, COALESCE(h.step_counts, '{}') AS step_counts,
         COALESCE(h.wait_bins, '{}') AS wait_bins, COALESCE(h.wait_counts, '{}') AS wait_counts
  FROM sums s LEFT JOIN hists h USING (tenant_id, bucket_at, dimension, key)
)
INSERT INTO agent_stats_rollups (${ROLLUP_COLUMNS})
SELECT r.tenant_id, $1, r.bucket_at, r.dimension, r.key, r.created, r.completed, r.failed, r.cancelled, r.leases, r.steps,
       ${PERCENTILES('r')}, r.input_tokens, r.output_tokens, r.cost_usd, r.requests
FROM rows r`;

/** Buckets of one size older than the windows that read them. $1 bucket seconds · $2 oldest kept */
export const PRUNE_BUCKETS_SQL = `DELETE FROM agent_stats_rollups WHERE bucket_seconds = $1 AND bucket_at < $2`;

/**
 * One cycle at a time across every node: a transaction-scoped advisory lock (two-key form, apart
 * from the migrations' one-key lock and the maintenance jobs' keys), and the database's clock.
 */
export const TRY_LOCK_SQL = `SELECT pg_try_advisory_xact_lock(1634168436, 16) AS locked, now() AS now`;

export const READ_STATE_SQL = `SELECT rolled_up_to FROM agent_stats_rollup_state WHERE id = 1`;

/** $1 rolled up to */
export const WRITE_STATE_SQL = `
INSERT INTO agent_stats_rollup_state (id, rolled_up_to) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET rolled_up_to = EXCLUDED.rolled_up_to`;

/** Where the source rows start: a first boot fills no further back than that. */
export const OLDEST_SOURCE_SQL = `
SELECT LEAST((SELECT min(created_at) FROM agent_logs), (SELECT created_at FROM agent_executions ORDER BY id LIMIT 1)) AS oldest`;
