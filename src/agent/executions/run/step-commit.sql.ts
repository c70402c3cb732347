import { BUDGET_OVERRIDES_OF_UPD, PRIOR_RESERVATION_CTE, RELEASE_PRIOR_CTE } from '../../billing/budget-ledger.sql.js';

/**
 * The hot path: one statement, one round trip, one implicit transaction. It applies a step (or a
 * bare transition) to an execution only while `lease_epoch` is still ours and the status still
 * `running` (fencing), and appends the step's messages and logs only if that update matched.
 *
 * NOTE: the execution update touches no indexed column while the run continues (not even
 * `updated_at`), so PostgreSQL can do it as a HOT update: per-step cost stays flat (rule 5).
 *
 * $1 id · $2 lease_epoch · $3 steps to add (0|1) · $4 message count · $5 input tokens
 * $6 output tokens · $7 state (null = unchanged) · $8 next status · $9 output · $10 error
 * $11 awaiting_event · $12 messages [{role, content}] · $13 logs [{level, event_type, message,
 * context}] · $14 step number for the logs · $15 metadata patch · $16 wait deadline (seconds from now)
 * $17 (COMMIT_BILLED_STEP_SQL only) billing { records: [{model, input_tokens, output_tokens, cost_usd}], tokens,
 * cost_usd, reservation }: one usage record per model call, the cost, and the budget reservation the spend replaces
 *
 * It answers with the signals still waiting for this execution (pause, cancel): the row is the
 * truth, so a lost notification costs at most one step.
 */
/** The distinct unprocessed signal types of execution $1 (served by the partial index). */
const PENDING_SIGNALS = `(SELECT COALESCE(array_agg(DISTINCT signal_type), '{}') FROM agent_signals
   WHERE execution_id = $1 AND processed_at IS NULL)`;

/** A billed step (model calls, or a budget reservation to settle) also writes its cost and clears its reservation. */
const BILLED_COLUMNS = `    cost_usd           = cost_usd + ($17::jsonb->>'cost_usd')::numeric,
    budget_reservation = NULL,
`;

const BILLING_CTES = `), usage AS (
  INSERT INTO token_usage_records (tenant_id, user_id, execution_id, model, input_tokens, output_tokens, cost_usd)
  SELECT upd.tenant_id, upd.user_id, $1, r.model, r.input_tokens, r.output_tokens, r.cost_usd
  FROM upd, jsonb_to_recordset($17::jsonb->'records') AS r(model text, input_tokens int, output_tokens int, cost_usd numeric)
), spent AS (
  -- The step's actual spend replaces its reservation on the budgets it was reserved on.
  UPDATE agent_budget_ledger l SET
    spent_tokens    = l.spent_tokens + ($17::jsonb->>'tokens')::bigint,
    spent_usd       = l.spent_usd + ($17::jsonb->>'cost_usd')::numeric,
    reserved_tokens = GREATEST(0, l.reserved_tokens - ($17::jsonb#>>'{reservation,tokens}')::bigint),
    reserved_usd    = GREATEST(0, l.reserved_usd - ($17::jsonb#>>'{reservation,usd}')::numeric)
  FROM upd
  WHERE jsonb_typeof($17::jsonb->'reservation') = 'object'
    AND l.tenant_id = upd.tenant_id AND l.period = ($17::jsonb#>>'{reservation,period}')::date
    AND l.user_id IN (SELECT jsonb_array_elements_text($17::jsonb#>'{reservation,keys}'))
`;

function commitStepSql(billed: boolean): string {
  return `
WITH upd AS (
  UPDATE agent_executions SET
    step_count         = step_count + $3::int,
    message_count      = message_count + $4::int,
    input_tokens       = input_tokens + $5::bigint,
    output_tokens      = output_tokens + $6::bigint,
    token_usage        = token_usage + $5::bigint + $6::bigint,
${billed ? BILLED_COLUMNS : ''}    state              = COALESCE($7::jsonb, state),
    lease_heartbeat_at = now(),
    status             = $8::text,
    output             = CASE WHEN $8::text = 'completed' THEN $9::jsonb ELSE output END,
    paused_at          = CASE WHEN $8::text = 'paused' THEN now() ELSE paused_at END,
    metadata           = metadata || $15::jsonb,
    error              = COALESCE($10::jsonb, error),
    awaiting_event     = $11::text,
    awaiting_until     = CASE WHEN $16::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => $16::double precision) END,
    completed_at       = CASE WHEN $8::text IN ('completed', 'failed', 'cancelled') THEN now() ELSE completed_at END,
    lease_owner        = CASE WHEN $8::text = 'running' THEN lease_owner END,
    updated_at         = CASE WHEN $8::text = 'running' THEN updated_at ELSE now() END
  -- NOTE: a step applies on top of the one before it only: a commit sent again after a lost
  -- connection, that had landed the first time, matches nothing.
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running' AND ($3::int = 0 OR step_count = $14::int - 1)
  RETURNING tenant_id, user_id, status, step_count, message_count - $4::int AS base_seq,
            token_usage, completed_at, error, settle_pending
), msgs AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT $1, upd.base_seq + m.ord, m.value->>'role', m.value->'content'
  FROM upd, jsonb_array_elements($12::jsonb) WITH ORDINALITY AS m(value, ord)
), logs AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT $1, $14::int, l.level, l.event_type, l.message, COALESCE(l.context, '{}'::jsonb)
  FROM upd, jsonb_to_recordset($13::jsonb) AS l(level text, event_type text, message text, context jsonb)
  RETURNING id, step_number, level, event_type, message, context, created_at
${billed ? BILLING_CTES : ''}), handled AS (
  -- A paused or ended execution has answered every request made to it.
  UPDATE agent_signals SET processed_at = now()
  WHERE execution_id = $1 AND processed_at IS NULL
    AND $8::text IN ('paused', 'completed', 'failed', 'cancelled') AND EXISTS (SELECT 1 FROM upd)
)
SELECT upd.status, upd.step_count, upd.token_usage, upd.completed_at, upd.error, upd.settle_pending,
       (SELECT COALESCE(jsonb_agg(to_jsonb(logs) ORDER BY logs.id), '[]'::jsonb) FROM logs) AS logs,
       ${PENDING_SIGNALS} AS pending_signals
FROM upd`;
}

/**
 * NOTE: two statements, so a step without model calls or budget (a custom agent's, a bare
 * transition) does not pay for the billing CTEs: measured ~5-10% of concurrent step throughput.
 */
export const COMMIT_STEP_SQL = commitStepSql(false);
export const COMMIT_BILLED_STEP_SQL = commitStepSql(true);

/**
 * Takes the execution for this runner: a pending one, or a running one whose holder stopped
 * heartbeating. The epoch bump is the fence every later commit is checked against. It also answers
 * the admin budgets of the execution's user and tenant (`budget_overrides`): the job's budgets need
 * no round trip of their own, and an admin's budget set on another node applies from the next job.
 */
export const ACQUIRE_LEASE_SQL = `
WITH ${PRIOR_RESERVATION_CTE}, upd AS (
  UPDATE agent_executions SET
    budget_reservation = NULL,
    status = 'running',
    lease_epoch = lease_epoch + 1,
    lease_owner = $2,
    lease_heartbeat_at = now(),
    started_at = COALESCE(started_at, now()),
    updated_at = now()
  WHERE id = $1
    AND (status = 'pending'
         OR (status = 'scheduled' AND scheduled_for <= now() + interval '1 second')
         OR (status = 'running' AND (lease_heartbeat_at IS NULL OR lease_heartbeat_at < now() - make_interval(secs => $3::double precision / 1000))))
  RETURNING id, tenant_id, user_id, agent_type, tier, queue, input, state, step_count, message_count, input_tokens,
            output_tokens, token_usage, lease_epoch, started_at, conversation_id, parent_execution_id, depth
), log AS (
  -- Every status change has its log row: its id is the event's sequence number.
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT id, step_count, 'info', 'started', 'Running', jsonb_build_object('status', 'running', 'epoch', lease_epoch) FROM upd
  RETURNING id, step_number, level, event_type, message, context, created_at
), ${RELEASE_PRIOR_CTE}
SELECT upd.*, (SELECT to_jsonb(log) FROM log) AS log, ${PENDING_SIGNALS} AS pending_signals,
       ${BUDGET_OVERRIDES_OF_UPD} AS budget_overrides
FROM upd`;

/**
 * Between two chunks: the run stays \`running\`, its lease released so the continuation job takes it
 * at once (its heartbeat set just past the lease timeout, as ACQUIRE_LEASE_SQL reads a stale one).
 * A continuation job that is lost is recovered like any running execution without heartbeat.
 * $1 id · $2 lease_epoch · $3 lease timeout (ms)
 */
export const RELEASE_FOR_CONTINUATION_SQL = `UPDATE agent_executions
  SET lease_owner = NULL, lease_heartbeat_at = now() - make_interval(secs => $3::double precision / 1000) - interval '1 millisecond'
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running'`;

/** A parent that spawned children owes a settlement when it ends (it cancels the children still running). $1 id */
export const OWES_SETTLEMENT_SQL = `UPDATE agent_executions SET settle_pending = true WHERE id = $1`;

export const LOAD_MESSAGES_SQL = `SELECT role, content FROM agent_messages WHERE execution_id = $1 ORDER BY seq`;

/**
 * A conversation turn sees the conversation's history (the earlier turns' user messages and
 * answers, tagged when each turn completed) and then its own messages. $1 execution · $2 conversation
 */
export const LOAD_TURN_MESSAGES_SQL = `
SELECT role, content FROM (
  SELECT role, content, 0 AS part, id AS ord FROM agent_messages WHERE conversation_id = $2 AND execution_id <> $1
  UNION ALL
  SELECT role, content, 1, seq FROM agent_messages WHERE execution_id = $1
) history ORDER BY part, ord`;

/** Why a lease was not taken: the holder's status and, if running, when its lease goes stale. */
export const LEASE_HOLDER_SQL = `
SELECT status,
       GREATEST(0, EXTRACT(EPOCH FROM (lease_heartbeat_at + make_interval(secs => $2::double precision / 1000) - now())) * 1000)::int AS stale_in_ms
FROM agent_executions WHERE id = $1`;
