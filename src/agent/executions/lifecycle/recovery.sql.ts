/**
 * Running executions whose runner stopped heartbeating go back to `pending` (their checkpoint is
 * the last committed step: every execution has one, so none has to fail) and get a job again;
 * pending executions whose job may have been lost (a crash between commit and enqueue) get theirs
 * again too, as do schedules and sleeps that are due and still waiting (their delayed job was lost). Job ids derive from the lease epoch, so a job that still exists is not duplicated.
 */
export const RECOVER_SQL = `
WITH stuck AS (
  UPDATE agent_executions SET status = 'pending', lease_owner = NULL, updated_at = now()
  WHERE status = 'running' AND lease_heartbeat_at < now() - make_interval(secs => $1::double precision / 1000)
  RETURNING id, queue, lease_epoch, step_count
), logged AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT id, step_count, 'warning', 'recovered', 'Runner stopped heartbeating; back to pending from the last committed step', '{"status": "pending"}'::jsonb
  FROM stuck
)
SELECT id, queue, lease_epoch, true AS was_running FROM stuck
UNION ALL
SELECT id, queue, lease_epoch, false FROM agent_executions
WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
UNION ALL
SELECT id, queue, lease_epoch, false FROM agent_executions
WHERE status = 'scheduled' AND scheduled_for < now() - make_interval(secs => $1::double precision / 1000)`;

/** A wait whose event came first and was not consumed: the runner died between parking and checking. */
export const MISSED_INBOX_SQL = `
SELECT DISTINCT e.id, e.awaiting_event FROM agent_executions e
JOIN agent_event_inbox i ON i.execution_id = e.id AND i.event_type = e.awaiting_event
WHERE e.status = 'awaiting_event' AND i.consumed_at IS NULL AND i.expires_at > now()`;
