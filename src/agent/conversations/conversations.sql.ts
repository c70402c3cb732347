/**
 * The conversations' statements. A turn is an execution linked by `conversation_id`; the history
 * is the `agent_messages` rows tagged with the conversation's id when their turn completed.
 *
 * A turn is *unfinished* while it has not ended, or has ended but its end is not settled yet
 * (`settle_pending`: its answer has not joined the history). A *queued* turn (busy policy
 * `enqueue`) is `scheduled` with no `scheduled_for`: no job, and the lease never takes it.
 */

const TERMINAL = `('completed', 'failed', 'cancelled')`;

/** `e` is a queued turn. */
const QUEUED = (e: string) => `(${e}.status = 'scheduled' AND ${e}.scheduled_for IS NULL)`;

/** `e` is unfinished (see above). */
const UNFINISHED = (e: string) => `(${e}.status NOT IN ${TERMINAL} OR ${e}.settle_pending)`;

/** The public columns of a conversation `c`, with its active turn (the oldest unfinished one). */
const VIEW_COLUMNS = `
  c.id, c.user_id, c.agent_type, c.title, c.turn_count, c.total_tokens, c.last_activity_at, c.created_at,
  (SELECT e.id FROM agent_executions e WHERE e.conversation_id = c.id AND ${UNFINISHED('e')} ORDER BY e.id LIMIT 1) AS active_execution_id,
  (EXTRACT(EPOCH FROM c.last_activity_at) * 1000000)::bigint::text || '_' || c.id AS cursor`;

/** $1 id · $2 tenant · $3 user · $4 agent type · $5 title */
export const INSERT_CONVERSATION_SQL = `
INSERT INTO agent_conversations (id, tenant_id, user_id, agent_type, title)
VALUES ($1, $2, $3, $4, $5)`;

/** Locks the caller's conversation: turns of one conversation start one at a time. $1 id · $2 tenant · $3 user */
export const LOCK_CONVERSATION_SQL = `
SELECT id, agent_type FROM agent_conversations WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR UPDATE`;

/** The unfinished turns, oldest first (the first is the active one, the rest are queued). $1 conversation · $2 tenant */
export const UNFINISHED_TURNS_SQL = `
SELECT e.id FROM agent_executions e WHERE e.conversation_id = $1 AND e.tenant_id = $2 AND ${UNFINISHED('e')} ORDER BY e.id`;

/** A new turn: the conversation's activity is now (its first message is the kernel's `openTurn`). $1 id */
export const TOUCH_CONVERSATION_SQL = `
UPDATE agent_conversations SET last_activity_at = now(), updated_at = now() WHERE id = $1`;

/** One conversation as the API shows it (without its messages). $1 id · $2 tenant · $3 user (null = any) */
export const CONVERSATION_VIEW_SQL = `
SELECT ${VIEW_COLUMNS}
FROM agent_conversations c
WHERE c.id = $1 AND c.tenant_id = $2 AND ($3::text IS NULL OR c.user_id = $3)`;

/**
 * The caller's conversations (or, for admins, the tenant's: user null), newest activity first.
 * The cursor is the last item's `<last_activity_at in µs>_<id>`: stable while items move to the
 * top with new activity.
 * $1 tenant · $2 user (null = any) · $3 cursor µs (null = first page) · $4 cursor id · $5 limit
 */
export const LIST_CONVERSATIONS_SQL = `
SELECT ${VIEW_COLUMNS}
FROM agent_conversations c
WHERE c.tenant_id = $1 AND ($2::text IS NULL OR c.user_id = $2)
  AND ($3::bigint IS NULL OR (c.last_activity_at, c.id) < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid))
ORDER BY c.last_activity_at DESC, c.id DESC
LIMIT $5`;

/** The history, oldest first; scoped through the turns' owner. $1 conversation · $2 tenant */
export const HISTORY_SQL = `
SELECT m.role, m.content, m.execution_id, m.created_at
FROM agent_messages m JOIN agent_executions e ON e.id = m.execution_id AND e.tenant_id = $2
WHERE m.conversation_id = $1
ORDER BY m.id`;

/** Turns that ended but whose end is not settled yet. $1 conversation · $2 tenant · $3 user */
export const UNSETTLED_TURNS_SQL = `
SELECT id FROM agent_executions
WHERE conversation_id = $1 AND tenant_id = $2 AND user_id = $3 AND settle_pending AND status IN ${TERMINAL}
ORDER BY id`;

/**
 * A turn's end, applied to its conversation (locking it): completed, `turn_count` + 1 (its user
 * message and answer joined the history: the kernel's `joinHistory`); any end, its tokens count.
 * $1 conversation · $2 completed · $3 the turn's tokens
 */
export const SETTLE_TURN_SQL = `
UPDATE agent_conversations SET
  turn_count = turn_count + CASE WHEN $2::boolean THEN 1 ELSE 0 END,
  total_tokens = total_tokens + $3::bigint,
  last_activity_at = now(),
  updated_at = now()
WHERE id = $1
RETURNING tenant_id, user_id`;

/**
 * The oldest queued turn, if no other turn than the ending one ($2) is unfinished: the next to
 * run, with its user message (kept in its input until then). Read with the conversation locked.
 * $1 conversation · $2 the ending turn
 */
export const NEXT_QUEUED_TURN_SQL = `
SELECT q.id, q.input->'prompt' AS message FROM agent_executions q
WHERE q.conversation_id = $1 AND ${QUEUED('q')}
  AND NOT EXISTS (
    SELECT 1 FROM agent_executions o
    WHERE o.conversation_id = $1 AND o.id <> $2 AND ${UNFINISHED('o')} AND NOT ${QUEUED('o')}
  )
ORDER BY q.id LIMIT 1`;

/**
 * Locks a conversation's turns before deleting it, in id order: the same order as an ending
 * turn's settlement (its execution, then the conversation), so the two cannot deadlock.
 * $1 conversation · $2 tenant
 */
export const LOCK_TURNS_SQL = `
SELECT id, status FROM agent_executions WHERE conversation_id = $1 AND tenant_id = $2 ORDER BY id FOR UPDATE`;

/** Its turns go with it (FK cascade), and with them their messages, logs and signals. $1 id · $2 tenant · $3 user */
export const DELETE_CONVERSATION_SQL = `
DELETE FROM agent_conversations WHERE id = $1 AND tenant_id = $2 AND user_id = $3 RETURNING id`;

/** The caller's conversation, unlocked (its turns are locked first: see `LOCK_TURNS_SQL`). $1 id · $2 tenant · $3 user */
export const OWNED_CONVERSATION_SQL = `
SELECT id FROM agent_conversations WHERE id = $1 AND tenant_id = $2 AND user_id = $3`;
