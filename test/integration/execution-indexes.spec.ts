import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_SQL } from '../../src/agent/executions/lifecycle/start-admission.sql.js';
import { WAKE_MATCHING_SQL } from '../../src/agent/executions/lifecycle/event-wake.sql.js';
import { ExecutionStatus } from '../../src/agent/executions/execution-status.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * What a change of an execution's row costs in index writes. A status change cannot be a HOT update,
 * so it writes an entry in every index whose predicate the new row meets; a running step's commit
 * changes no indexed column and writes none.
 */
describe('the indexes of agent_executions', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Enough rows that the planner reads indexes, most of them ended as in any real table.
    await db.sql.query(
      `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, awaiting_event)
       SELECT gen_random_uuid(), 't' || (i % 20), 'u' || (i % 500), 'steps',
              CASE WHEN i % 50 = 0 THEN 'awaiting_event' WHEN i % 50 = 1 THEN 'running' ELSE 'completed' END,
              'agents-default', '{}', CASE WHEN i % 50 = 0 THEN 'go' END
       FROM generate_series(1, 20000) i`,
    );
    await db.sql.query(`ANALYZE agent_executions`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const insert = async (status: ExecutionStatus) =>
    (
      await db.sql.query<{ id: string }>(
        `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, awaiting_event)
         VALUES (gen_random_uuid(), 'tenant-x', 'user-x', 'steps', $1, 'agents-default', '{}', CASE WHEN $1 = 'awaiting_event' THEN 'go' END)
         RETURNING id`,
        [status],
      )
    ).rows[0]!.id;

  /** The indexes that hold an entry for this row: every one without a predicate, and each partial one whose predicate it meets. */
  const indexesHolding = async (id: string): Promise<string[]> => {
    const { rows } = await db.sql.query<{ name: string; predicate: string | null }>(
      `SELECT c.relname AS name, pg_get_expr(i.indpred, i.indrelid) AS predicate
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'agent_executions'::regclass ORDER BY c.relname`,
    );
    const held: string[] = [];
    for (const { name, predicate } of rows) {
      if (predicate === null) held.push(name);
      else if ((await db.sql.query(`SELECT 1 FROM agent_executions WHERE id = $1 AND (${predicate})`, [id])).rowCount === 1)
        held.push(name);
    }
    return held;
  };

  it('a woken, leased or ended execution is written to 8, 8 and 7 indexes, not to those only other statuses read', async () => {
    const pending = await indexesHolding(await insert(ExecutionStatus.Pending));
    const running = await indexesHolding(await insert(ExecutionStatus.Running));
    const ended = await indexesHolding(await insert(ExecutionStatus.Completed));
    const waiting = await indexesHolding(await insert(ExecutionStatus.AwaitingEvent));
    expect(pending).toHaveLength(8);
    expect(running).toHaveLength(8);
    expect(ended).toHaveLength(7);
    expect(waiting).toContain('idx_agent_executions_awaiting_event');
    for (const held of [pending, running, ended]) expect(held).not.toContain('idx_agent_executions_awaiting_event');
    expect(ended).not.toContain('idx_agent_executions_owner_live');
  });

  it('a running step’s commit is a HOT update: it writes no index entry', async () => {
    const id = await insert(ExecutionStatus.Running);
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      // The columns a running step's commit changes (step-commit.sql.ts), its status and updated_at left as they are.
      await client.query(
        `UPDATE agent_executions SET step_count = step_count + 1, message_count = message_count + 1, input_tokens = input_tokens + 5,
           output_tokens = output_tokens + 5, token_usage = token_usage + 10, state = '{"n": 1}', lease_heartbeat_at = now(),
           metadata = metadata || '{}'::jsonb, version_missing_since = NULL, error = COALESCE(NULL, error), awaiting_event = NULL,
           awaiting_until = NULL, lease_owner = lease_owner, updated_at = updated_at
         WHERE id = $1`,
        [id],
      );
      const { rows } = await client.query(
        `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables WHERE relname = 'agent_executions'`,
      );
      expect(rows[0]).toEqual({ updates: 1, hot: 1 });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  const plan = async (sql: string, params: unknown[]) =>
    JSON.stringify((await db.sql.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows[0]['QUERY PLAN']);

  it('a trigger finds the executions waiting for its event through the index of waiting rows', async () => {
    const woken = await plan(WAKE_MATCHING_SQL, ['go', 't3', null, '{}']);
    expect(woken).toContain('idx_agent_executions_awaiting_event');
  });

  it('a start counts its user’s live executions through the index of live rows', async () => {
    const usage = await plan(USAGE_SQL, ['t3', 'u3', '00000000-0000-0000-0000-000000000000']);
    expect(usage).toContain('idx_agent_executions_owner_live');
  });
});
