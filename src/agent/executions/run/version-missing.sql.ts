/**
 * A worker lacking the execution's agent version notes it (once: the first miss starts the clock;
 * the next committed step clears it) and learns whether the version has been missing longer than
 * the grace period. Fenced by the lease like a commit: a runner that lost its lease changes nothing.
 * $1 id · $2 lease_epoch · $3 grace (seconds)
 */
export const MARK_VERSION_MISSING_SQL = `
UPDATE agent_executions SET version_missing_since = COALESCE(version_missing_since, now())
WHERE id = $1 AND lease_epoch = $2 AND status = 'running'
RETURNING version_missing_since, now() - version_missing_since >= make_interval(secs => $3::double precision) AS gone`;
