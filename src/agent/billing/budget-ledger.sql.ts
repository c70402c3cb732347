/**
 * The monthly ledger's statements. A ledger row exists per scope with a budget (the user; the
 * tenant as `user_id` = '') and month; `spent_*` follow the usage records, `reserved_*` what steps in
 * flight hold.
 */

/**
 * Makes the scopes' rows exist with the limits in force (a row created mid-month starts from the
 * month's usage records). $1 tenant · $2 period (first day) · $3 scopes [{ user_id, limit_tokens, limit_usd }]
 *
 * NOTE: a row whose limits are already those in force is read, not rewritten: opening the budgets of
 * every start and every job would otherwise write the row and wait for a WAL flush each time.
 */
export const OPEN_LEDGER_SQL = `
WITH scopes AS (
  SELECT * FROM jsonb_to_recordset($3::jsonb) AS s(user_id text, limit_tokens bigint, limit_usd numeric)
), existing AS (
  SELECT l.* FROM agent_budget_ledger l JOIN scopes s ON l.user_id = s.user_id
  WHERE l.tenant_id = $1 AND l.period = $2::date
), refreshed AS (
  UPDATE agent_budget_ledger l SET limit_tokens = s.limit_tokens, limit_usd = s.limit_usd
  FROM scopes s WHERE l.tenant_id = $1 AND l.period = $2::date AND l.user_id = s.user_id
    AND (l.limit_tokens, l.limit_usd) IS DISTINCT FROM (s.limit_tokens, s.limit_usd)
  RETURNING l.*
), created AS (
  INSERT INTO agent_budget_ledger (tenant_id, user_id, period, spent_tokens, spent_usd, limit_tokens, limit_usd)
  SELECT $1, s.user_id, $2::date, COALESCE(u.tokens, 0), COALESCE(u.usd, 0), s.limit_tokens, s.limit_usd
  FROM scopes s
  LEFT JOIN LATERAL (
    SELECT sum(r.input_tokens + r.output_tokens) AS tokens, sum(r.cost_usd) AS usd FROM token_usage_records r
    WHERE r.tenant_id = $1 AND (s.user_id = '' OR r.user_id = s.user_id)
      AND r.recorded_at >= $2::date AND r.recorded_at < $2::date + interval '1 month'
  ) u ON true
  WHERE s.user_id NOT IN (SELECT user_id FROM existing)
  ON CONFLICT (tenant_id, user_id, period) DO NOTHING
  RETURNING *
)
SELECT * FROM refreshed
UNION ALL SELECT * FROM existing WHERE user_id NOT IN (SELECT user_id FROM refreshed)
UNION ALL SELECT * FROM created`;

/**
 * A CTE that reserves a step's estimate on every scope that still has room for it, returning the
 * keys reserved; the kernel's statement records the reservation on the execution with it. A scope
 * at its limit has no room even for an estimate of 0: a step starts only while something is left.
 * $2 tenant · $3 period · $4 scope keys · $5 tokens · $6 usd
 */
export const RESERVE_ON_LEDGER_CTE = `reserved AS (
  UPDATE agent_budget_ledger SET reserved_tokens = reserved_tokens + $5::bigint, reserved_usd = reserved_usd + $6::numeric
  WHERE tenant_id = $2 AND period = $3::date AND user_id = ANY($4::text[])
    AND (limit_tokens IS NULL OR spent_tokens + reserved_tokens + GREATEST($5::bigint, 1) <= limit_tokens)
    AND (limit_usd IS NULL OR (spent_usd + reserved_usd + $6::numeric <= limit_usd AND spent_usd + reserved_usd < limit_usd))
  RETURNING user_id
)`;

/**
 * Gives back the reservation the caller's `held` CTE read (`tenant_id`, and the reservation as
 * `r`): the tail of the kernel's statement that clears it from the execution.
 */
export const GIVE_BACK_HELD_SQL = `
UPDATE agent_budget_ledger l SET
  reserved_tokens = GREATEST(0, l.reserved_tokens - (held.r->>'tokens')::bigint),
  reserved_usd = GREATEST(0, l.reserved_usd - (held.r->>'usd')::numeric)
FROM held
WHERE l.tenant_id = held.tenant_id AND l.period = (held.r->>'period')::date
  AND l.user_id IN (SELECT jsonb_array_elements_text(held.r->'keys'))`;

/**
 * The admin budgets (`agent_budgets`) of an execution's user and of its tenant, as a jsonb array of
 * `{ user_id, monthly_tokens, monthly_usd }` (limits as text, as `pg` reads the columns): a scalar
 * subquery the kernel's lease statement returns, so a job learns them without a query of its own.
 * The caller's `upd` CTE must return `tenant_id` and `user_id`.
 */
export const BUDGET_OVERRIDES_OF_UPD = `(SELECT COALESCE(jsonb_agg(jsonb_build_object(
     'user_id', b.user_id, 'monthly_tokens', b.monthly_tokens::text, 'monthly_usd', b.monthly_usd::text)), '[]'::jsonb)
   FROM agent_budgets b WHERE b.tenant_id = upd.tenant_id AND b.user_id IN (upd.user_id, ''))`;

/** The scopes' rows as they are. $1 tenant · $2 period · $3 keys */
export const LEDGER_SQL = `SELECT * FROM agent_budget_ledger WHERE tenant_id = $1 AND period = $2::date AND user_id = ANY($3::text[])`;

/**
 * CTEs that give back a reservation left on execution $1 by a runner that is gone (taken over after
 * a crash, or ended by a transition while its step ran): `prior` reads it, the caller's `upd` CTE
 * must set `budget_reservation = NULL` and return `tenant_id`, `released` gives it back. Nothing
 * happens for the usual row, which holds none.
 */
export const PRIOR_RESERVATION_CTE = `prior AS (
  SELECT budget_reservation AS r FROM agent_executions WHERE id = $1 AND budget_reservation IS NOT NULL
)`;
export const RELEASE_PRIOR_CTE = `released AS (
  UPDATE agent_budget_ledger l SET
    reserved_tokens = GREATEST(0, l.reserved_tokens - (prior.r->>'tokens')::bigint),
    reserved_usd = GREATEST(0, l.reserved_usd - (prior.r->>'usd')::numeric)
  FROM prior, upd
  WHERE l.tenant_id = upd.tenant_id AND l.period = (prior.r->>'period')::date
    AND l.user_id IN (SELECT jsonb_array_elements_text(prior.r->'keys'))
)`;

/**
 * `PRIOR_RESERVATION_CTE` and `RELEASE_PRIOR_CTE` for many executions at once (`id = ANY($1)`):
 * `priors` reads each one's reservation, the caller's `upd` CTE must set `budget_reservation = NULL`
 * and return `id` and `tenant_id`, `released` gives back what the executions it took held.
 *
 * NOTE: summed per ledger row first: an `UPDATE … FROM` whose row matches several source rows (two
 * executions of one user) applies only one of them.
 */
export const PRIOR_RESERVATIONS_CTE = `priors AS (
  SELECT id, budget_reservation AS r FROM agent_executions WHERE id = ANY($1::uuid[]) AND budget_reservation IS NOT NULL
)`;
export const RELEASE_PRIORS_CTE = `held_back AS (
  SELECT upd.tenant_id, (priors.r->>'period')::date AS period, k.user_id,
         sum((priors.r->>'tokens')::bigint) AS tokens, sum((priors.r->>'usd')::numeric) AS usd
  FROM priors JOIN upd ON upd.id = priors.id, jsonb_array_elements_text(priors.r->'keys') AS k(user_id)
  GROUP BY 1, 2, 3
), released AS (
  UPDATE agent_budget_ledger l SET
    reserved_tokens = GREATEST(0, l.reserved_tokens - held_back.tokens),
    reserved_usd = GREATEST(0, l.reserved_usd - held_back.usd)
  FROM held_back
  WHERE l.tenant_id = held_back.tenant_id AND l.period = held_back.period AND l.user_id = held_back.user_id
)`;

/**
 * Every budget of a tenant this month: the tenant's (`user_id` '') and each user's, with the limits
 * in force (an admin's budget as set now, else the ledger's copy, e.g. a tier's) and what is spent
 * and reserved. `has_ledger` false: a budget set since the month's last job, with no ledger row yet
 * (its spend is `SPEND_THIS_MONTH_SQL`). Rows without a limit are left out by the caller.
 * $1 tenant · $2 period (first day)
 */
export const TENANT_BUDGETS_SQL = `
SELECT COALESCE(l.user_id, a.user_id) AS user_id, l.user_id IS NOT NULL AS has_ledger,
       CASE WHEN a.user_id IS NOT NULL THEN a.monthly_tokens ELSE l.limit_tokens END AS limit_tokens,
       CASE WHEN a.user_id IS NOT NULL THEN a.monthly_usd ELSE l.limit_usd END AS limit_usd,
       COALESCE(l.spent_tokens, 0) AS spent_tokens, COALESCE(l.spent_usd, 0) AS spent_usd,
       COALESCE(l.reserved_tokens, 0) AS reserved_tokens, COALESCE(l.reserved_usd, 0) AS reserved_usd
FROM (SELECT * FROM agent_budget_ledger WHERE tenant_id = $1 AND period = $2::date) l
FULL JOIN (SELECT * FROM agent_budgets WHERE tenant_id = $1) a ON a.user_id = l.user_id
ORDER BY 1`;

/**
 * A user's (or with '' the tenant's) usage records this month, as a ledger row opened now would start
 * from. $1 tenant · $2 user or '' · $3 period (first day)
 */
export const SPEND_THIS_MONTH_SQL = `
SELECT COALESCE(sum(input_tokens + output_tokens), 0) AS tokens, COALESCE(sum(cost_usd), 0) AS usd FROM token_usage_records
WHERE tenant_id = $1 AND ($2 = '' OR user_id = $2) AND recorded_at >= $3::date AND recorded_at < $3::date + interval '1 month'`;
