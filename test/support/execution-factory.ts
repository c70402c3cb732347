import { uuidv7 } from '../../src/agent/executions/uuid-v7.js';
import type { TestDatabase } from './test-database.js';

export interface ExecutionSeed {
  status: string;
  tenantId?: string;
  userId?: string;
  agentType?: string;
  input?: unknown;
  /** For `running`: a fresh heartbeat, as if a live worker held it. */
  heartbeatAgoMs?: number;
}

/** Puts an execution straight into a status (no job), for tests of what each status allows. */
export async function seedExecution(db: TestDatabase, seed: ExecutionSeed): Promise<string> {
  const id = uuidv7();
  const terminal = ['completed', 'failed', 'cancelled'].includes(seed.status);
  await db.sql.query(
    `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, lease_epoch, lease_owner,
       lease_heartbeat_at, started_at, completed_at, awaiting_event)
     VALUES ($1, $2, $3, $4, $5, 'agents-default', $6, $7, $8,
       CASE WHEN $5 = 'running' THEN now() - make_interval(secs => $9::double precision / 1000) END,
       CASE WHEN $5 NOT IN ('pending', 'scheduled') THEN now() END,
       CASE WHEN $10 THEN now() END,
       CASE WHEN $5 = 'awaiting_event' THEN 'steps.continue' END)`,
    [
      id,
      seed.tenantId ?? 't1',
      seed.userId ?? 'u1',
      seed.agentType ?? 'steps',
      seed.status,
      JSON.stringify(seed.input ?? { steps: 1 }),
      seed.status === 'pending' || seed.status === 'scheduled' ? 0 : 1,
      seed.status === 'running' ? 'elsewhere' : null,
      seed.heartbeatAgoMs ?? 0,
      terminal,
    ],
  );
  return id;
}

export async function executionRow(db: TestDatabase, id: string) {
  const { rows } = await db.sql.query(
    `SELECT status, step_count, metadata, error, message_count,
       (SELECT count(*)::int FROM agent_logs WHERE execution_id = $1) AS logs,
       (SELECT count(*)::int FROM agent_signals WHERE execution_id = $1) AS signals,
       (SELECT count(*)::int FROM agent_messages WHERE execution_id = $1) AS messages
     FROM agent_executions WHERE id = $1`,
    [id],
  );
  return rows[0];
}
