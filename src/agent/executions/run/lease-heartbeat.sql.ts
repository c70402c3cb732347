/** Refreshes a live lease's heartbeat: only while the epoch is still ours and the run still running. $1 id · $2 lease epoch */
export const HEARTBEAT_SQL = `UPDATE agent_executions SET lease_heartbeat_at = now()
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running'`;
