import {
  BUDGET_OVERRIDES_OF_UPD,
  PRIOR_RESERVATION_CTE,
  PRIOR_RESERVATIONS_CTE,
  RELEASE_PRIOR_CTE,
  RELEASE_PRIORS_CTE,
} from '../../billing/budget-ledger.sql.js';

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
 * context}] · $14 step number for the logs · $15 metadata patch · $16 wait deadline, or a sleep's end (seconds from now)
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

/** Where a commit's values come from: the single statement's parameters, or a batch row's columns. */
interface CommitValues {
  stepsAdded: string;
  messagesAdded: string;
  inputTokens: string;
  outputTokens: string;
  state: string;
  nextStatus: string;
  output: string;
  error: string;
  awaitingEvent: string;
  stepNumber: string;
  metadata: string;
  waitSeconds: string;
}

const PARAMETERS: CommitValues = {
  stepsAdded: '$3::int',
  messagesAdded: '$4::int',
  inputTokens: '$5::bigint',
  outputTokens: '$6::bigint',
  state: '$7::jsonb',
  nextStatus: '$8::text',
  output: '$9::jsonb',
  error: '$10::jsonb',
  awaitingEvent: '$11::text',
  stepNumber: '$14::int',
  metadata: '$15::jsonb',
  waitSeconds: '$16::double precision',
};

/** The columns of one commit in a batch (`jsonb_to_recordset`); no name is a column of `agent_executions`. */
const BATCH_ROW = `ord int, exec_id uuid, epoch int, steps_added int, messages_added int, tokens_in bigint, tokens_out bigint,
  new_state jsonb, next_status text, new_output jsonb, new_error jsonb, event_awaited text, messages jsonb, logs jsonb,
  step_number int, metadata_patch jsonb, wait_seconds double precision`;

const BATCH_COLUMNS: CommitValues = {
  stepsAdded: 'r.steps_added',
  messagesAdded: 'r.messages_added',
  inputTokens: 'r.tokens_in',
  outputTokens: 'r.tokens_out',
  state: 'r.new_state',
  nextStatus: 'r.next_status',
  output: 'r.new_output',
  error: 'r.new_error',
  awaitingEvent: 'r.event_awaited',
  stepNumber: 'r.step_number',
  metadata: 'r.metadata_patch',
  waitSeconds: 'r.wait_seconds',
};

/** What a commit does to its execution's row (the same for one commit and for each row of a batch). */
function stepUpdateSet(v: CommitValues, billed: boolean): string {
  return `    step_count         = step_count + ${v.stepsAdded},
    message_count      = message_count + ${v.messagesAdded},
    input_tokens       = input_tokens + ${v.inputTokens},
    output_tokens      = output_tokens + ${v.outputTokens},
    token_usage        = token_usage + ${v.inputTokens} + ${v.outputTokens},
${billed ? BILLED_COLUMNS : ''}    state              = COALESCE(${v.state}, state),
    lease_heartbeat_at = now(),
    status             = ${v.nextStatus},
    output             = CASE WHEN ${v.nextStatus} = 'completed' THEN ${v.output} ELSE output END,
    paused_at          = CASE WHEN ${v.nextStatus} = 'paused' THEN now() ELSE paused_at END,
    metadata           = metadata || ${v.metadata},
    version_missing_since = CASE WHEN ${v.stepsAdded} = 1 THEN NULL ELSE version_missing_since END,
    error              = COALESCE(${v.error}, error),
    awaiting_event     = ${v.awaitingEvent},
    awaiting_until     = CASE WHEN ${v.waitSeconds} IS NULL OR ${v.nextStatus} = 'scheduled' THEN NULL
                         ELSE now() + make_interval(secs => ${v.waitSeconds}) END,
    scheduled_for      = CASE WHEN ${v.nextStatus} = 'scheduled' THEN now() + make_interval(secs => ${v.waitSeconds}) ELSE scheduled_for END,
    completed_at       = CASE WHEN ${v.nextStatus} IN ('completed', 'failed', 'cancelled') THEN now() ELSE completed_at END,
    lease_owner        = CASE WHEN ${v.nextStatus} = 'running' THEN lease_owner END,
    updated_at         = CASE WHEN ${v.nextStatus} = 'running' THEN updated_at ELSE now() END`;
}

/**
 * `status = 'running'`, written so that no index on `status` can serve it: the row is found by its
 * id. NOTE: right after a burst (a wake of thousands) the statistics still count few running rows,
 * and the planner served a batch by scanning every running row's entry in (status, updated_at)
 * instead: ~12,000 entries for each batch of 256 commits, for every batch.
 */
const STILL_RUNNING = `(status = 'running') IS TRUE`;

/**
 * The fence: our lease (`lease_epoch`), still `running`, and a step applies on top of the one before it only.
 * NOTE: a commit sent again after a lost connection, that had landed the first time, matches nothing.
 */
const stepFence = (id: string, epoch: string, v: CommitValues) =>
  `id = ${id} AND lease_epoch = ${epoch} AND ${STILL_RUNNING} AND (${v.stepsAdded} = 0 OR step_count = ${v.stepNumber} - 1)`;

const STEP_RETURNING = `status, step_count, token_usage, completed_at, error, settle_pending`;

function commitStepSql(billed: boolean): string {
  return `
WITH upd AS (
  UPDATE agent_executions SET
${stepUpdateSet(PARAMETERS, billed)}
  WHERE ${stepFence('$1', '$2', PARAMETERS)}
  RETURNING tenant_id, user_id, ${STEP_RETURNING}, message_count - $4::int AS base_seq
), msgs AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT $1, upd.base_seq + m.ord, m.value->>'role', m.value->'content'
  FROM upd, jsonb_array_elements($12::jsonb) WITH ORDINALITY AS m(value, ord)
), checkpoint AS (
  INSERT INTO agent_checkpoints (execution_id, step_number, message_count, state)
  SELECT $1, $14::int, upd.base_seq + $4::int, $7::jsonb FROM upd WHERE $3::int = 1
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
 * Group commit: the unbilled commits of many executions in one statement, one transaction, one WAL
 * flush. $1 is a JSON array of rows (`BATCH_ROW`); each row is fenced on its own, so a row whose
 * lease was lost (or whose step already landed) matches nothing and writes nothing, and the others
 * commit. The answer has one row per commit that applied, by its `ord`; a missing `ord` lost its lease.
 *
 * NOTE: billed steps stay on COMMIT_BILLED_STEP_SQL: the budget ledger rows are shared between a
 * user's executions, and one UPDATE cannot add two rows' spend to the same ledger row.
 */
export const COMMIT_STEP_BATCH_SQL = `
WITH r AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${BATCH_ROW})
), upd AS (
  UPDATE agent_executions SET
${stepUpdateSet(BATCH_COLUMNS, false)}
  FROM r
  WHERE ${stepFence('r.exec_id', 'r.epoch', BATCH_COLUMNS)}
  -- The batch row's own columns come along, so no CTE below joins upd back to r (statistics count
  -- one row for each, and a nested loop over 256 × 256 pairs was a tenth of the statement).
  RETURNING r.ord, id, ${STEP_RETURNING}, message_count - r.messages_added AS base_seq,
            r.steps_added, r.messages_added, r.step_number, r.new_state, r.messages, r.logs
), msgs AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT upd.id, upd.base_seq + m.n, m.value->>'role', m.value->'content'
  FROM upd, jsonb_array_elements(upd.messages) WITH ORDINALITY AS m(value, n)
), checkpoints AS (
  INSERT INTO agent_checkpoints (execution_id, step_number, message_count, state)
  SELECT upd.id, upd.step_number, upd.base_seq + upd.messages_added, upd.new_state FROM upd WHERE upd.steps_added = 1
), logs AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT upd.id, upd.step_number, l.level, l.event_type, l.message, COALESCE(l.context, '{}'::jsonb)
  FROM upd,
       ROWS FROM (jsonb_to_recordset(upd.logs) AS (level text, event_type text, message text, context jsonb))
         WITH ORDINALITY AS l(level, event_type, message, context, n)
  -- NOTE: ids in each execution's own order: they are its events' sequence numbers.
  ORDER BY upd.ord, l.n
  RETURNING id, execution_id, step_number, level, event_type, message, context, created_at
), handled AS (
  UPDATE agent_signals s SET processed_at = now()
  FROM upd
  WHERE s.execution_id = upd.id AND s.processed_at IS NULL AND upd.status IN ('paused', 'completed', 'failed', 'cancelled')
), logs_by_execution AS (
  SELECT execution_id, jsonb_agg(to_jsonb(logs) - 'execution_id' ORDER BY id) AS logs FROM logs GROUP BY execution_id
)
SELECT upd.ord, upd.status, upd.step_count, upd.token_usage, upd.completed_at, upd.error, upd.settle_pending,
       COALESCE(b.logs, '[]'::jsonb) AS logs,
       (SELECT COALESCE(array_agg(DISTINCT signal_type), '{}') FROM agent_signals
         WHERE execution_id = upd.id AND processed_at IS NULL) AS pending_signals
FROM upd LEFT JOIN logs_by_execution b ON b.execution_id = upd.id`;

/** What taking a lease writes: the epoch bump is the fence every later commit is checked against. $2 owner */
const LEASE_SET = `budget_reservation = NULL,
    status = 'running',
    lease_epoch = lease_epoch + 1,
    lease_owner = $2,
    lease_heartbeat_at = now(),
    started_at = COALESCE(started_at, now()),
    updated_at = now()`;

/**
 * Who may be taken: a pending one, a due schedule (never early: a job that comes before its time
 * waits the rest, see LEASE_HOLDER_SQL), or a running one whose holder stopped heartbeating.
 * NOTE: a CASE, which no index on `status` can serve, so the rows are found by their ids: right
 * after a wake the statistics count few pending rows, and the planner scanned every pending row for
 * each batch of a wake (10,000 for each of 60 batches). $3 lease timeout (ms)
 */
const LEASABLE = `CASE status
           WHEN 'pending' THEN true
           WHEN 'scheduled' THEN scheduled_for <= now()
           WHEN 'running' THEN lease_heartbeat_at IS NULL OR lease_heartbeat_at < now() - make_interval(secs => $3::double precision / 1000)
           ELSE false
         END`;

const LEASE_RETURNING = `id, tenant_id, user_id, agent_type, agent_version, version_missing_since, tier, queue, input, state, step_count,
            message_count, input_tokens, output_tokens, token_usage, lease_epoch, started_at, conversation_id, parent_execution_id, depth,
            metadata->'step_retry' AS step_retry`;

/**
 * When each execution to be leased became ready for a worker, from its row before the lease: a
 * pending one when it was made pending (created, woken, resumed, handed back), a schedule or a
 * sleep when it fell due, a running one when its lease went stale (a chunk's continuation, a dead
 * runner). A read of the statement's snapshot, which is the row the lease updates. $3 lease timeout (ms)
 */
const readyCte = (ids: string) => `ready AS (
  SELECT id, CASE status
           WHEN 'scheduled' THEN scheduled_for
           WHEN 'running' THEN COALESCE(lease_heartbeat_at + make_interval(secs => $3::double precision / 1000), updated_at)
           ELSE updated_at
         END AS ready_at
  FROM agent_executions WHERE ${ids}
)`;

/**
 * Every status change has its log row: its id is the event's sequence number. `waited_ms`: the
 * queue wait, from becoming ready (the \`ready\` CTE) to this lease; the dashboard's statistics read it.
 */
const STARTED_LOG = `INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT upd.id, upd.step_count, 'info', 'started', 'Running', jsonb_build_object('status', 'running', 'epoch', upd.lease_epoch,
         'waited_ms', GREATEST(0, round(EXTRACT(EPOCH FROM now() - ready.ready_at) * 1000))::bigint)
  FROM upd LEFT JOIN ready ON ready.id = upd.id`;

/**
 * Takes the execution for this runner: a pending one, or a running one whose holder stopped
 * heartbeating. The epoch bump is the fence every later commit is checked against. It also answers
 * the admin budgets of the execution's user and tenant (`budget_overrides`): the job's budgets need
 * no round trip of their own, and an admin's budget set on another node applies from the next job.
 * $1 id · $2 owner · $3 lease timeout (ms)
 */
export const ACQUIRE_LEASE_SQL = `
WITH ${PRIOR_RESERVATION_CTE}, ${readyCte('id = $1')}, upd AS (
  UPDATE agent_executions SET ${LEASE_SET}
  WHERE id = $1 AND ${LEASABLE}
  RETURNING ${LEASE_RETURNING}
), log AS (
  ${STARTED_LOG}
  RETURNING id, step_number, level, event_type, message, context, created_at
), ${RELEASE_PRIOR_CTE}
SELECT upd.*, (SELECT to_jsonb(log) FROM log) AS log, ${PENDING_SIGNALS} AS pending_signals,
       ${BUDGET_OVERRIDES_OF_UPD} AS budget_overrides
FROM upd`;

/**
 * ACQUIRE_LEASE_SQL for many executions in one statement (a wake batch): the same conditions, the
 * same `started` row each, the same release of a reservation left behind; and each one's messages. Those not leasable now
 * (taken by another runner, cancelled, parked again) are simply not returned: the row decides.
 * $1 ids (uuid[]) · $2 owner · $3 lease timeout (ms)
 *
 * NOTE: rows are locked in no particular order; two statements over the same executions at once
 * (a batch job delivered twice) can deadlock, and PostgreSQL then fails one, whose job retries.
 */
export const ACQUIRE_LEASES_SQL = `
WITH ${PRIOR_RESERVATIONS_CTE}, ${readyCte('id = ANY($1::uuid[])')}, upd AS (
  UPDATE agent_executions SET ${LEASE_SET}
  WHERE id = ANY($1::uuid[]) AND ${LEASABLE}
  RETURNING ${LEASE_RETURNING}
), log AS (
  ${STARTED_LOG}
  RETURNING id, execution_id, step_number, level, event_type, message, context, created_at
), ${RELEASE_PRIORS_CTE}
SELECT upd.*, jsonb_build_object('id', log.id, 'step_number', log.step_number, 'level', log.level, 'event_type', log.event_type,
         'message', log.message, 'context', log.context, 'created_at', log.created_at) AS log,
       (SELECT COALESCE(array_agg(DISTINCT s.signal_type), '{}') FROM agent_signals s
        WHERE s.execution_id = upd.id AND s.processed_at IS NULL) AS pending_signals,
       ${BUDGET_OVERRIDES_OF_UPD} AS budget_overrides,
       -- A woken execution has a history (the event at least): read with the lease, not one query each after it.
       CASE WHEN upd.conversation_id IS NULL THEN
         (SELECT COALESCE(jsonb_agg(jsonb_build_object('role', m.role, 'content', m.content) ORDER BY m.seq), '[]'::jsonb)
          FROM agent_messages m WHERE m.execution_id = upd.id)
       END AS history
FROM upd JOIN log ON log.execution_id = upd.id`;

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

/**
 * Why a lease was not taken: the holder's status; if running, when its lease goes stale; if
 * scheduled, when it falls due (on the database's clock, which the lease reads).
 */
export const LEASE_HOLDER_SQL = `
SELECT status,
       GREATEST(0, EXTRACT(EPOCH FROM (lease_heartbeat_at + make_interval(secs => $2::double precision / 1000) - now())) * 1000)::int AS stale_in_ms,
       CASE WHEN status = 'scheduled' THEN GREATEST(0, ceil(EXTRACT(EPOCH FROM (scheduled_for - now())) * 1000))::int END AS due_in_ms
FROM agent_executions WHERE id = $1`;

/** Of executions a wake batch could not lease, those running under another lease (it may be a dead runner's). $1 ids */
export const RUNNING_AMONG_SQL = `SELECT id, queue, lease_epoch FROM agent_executions WHERE id = ANY($1::uuid[]) AND status = 'running'`;
