import { GIVE_BACK_HELD_SQL, RESERVE_ON_LEDGER_CTE } from '../../billing/budget-ledger.sql.js';

/**
 * An execution's budget reservation: held on the ledger (billing's part) and recorded on the
 * execution's row, so a runner that dies holding it leaves a trace to give back (the step commit
 * and the guarded transition give back what a row still holds).
 */

/**
 * Reserves a step's estimate on every scope that still has room, and records the reservation on
 * the execution. The caller checks every scope was reserved.
 * $1 execution · $2 tenant · $3 period · $4 scope keys · $5 tokens · $6 usd
 */
export const RESERVE_SQL = `
WITH ${RESERVE_ON_LEDGER_CTE}, held AS (
  UPDATE agent_executions SET budget_reservation = jsonb_build_object(
    'period', $3::text, 'keys', (SELECT jsonb_agg(user_id) FROM reserved), 'tokens', $5::bigint, 'usd', $6::numeric)
  WHERE id = $1 AND EXISTS (SELECT 1 FROM reserved)
)
SELECT COALESCE(array_agg(user_id), '{}') AS keys FROM reserved`;

/** Gives back the reservation an execution holds (a step that committed nothing). $1 execution */
export const RELEASE_SQL = `
WITH held AS (
  SELECT id, tenant_id, budget_reservation AS r FROM agent_executions WHERE id = $1 AND budget_reservation IS NOT NULL FOR UPDATE
), cleared AS (
  UPDATE agent_executions e SET budget_reservation = NULL FROM held WHERE e.id = held.id
)${GIVE_BACK_HELD_SQL}`;
