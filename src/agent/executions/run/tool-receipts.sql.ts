/**
 * The tool calls earlier attempts of step $2 of execution $1 completed: their `tool_completed` rows,
 * committed with the retry that followed each failed attempt (a step's logs are its receipts).
 */
export const TOOL_RECEIPTS_SQL = `
SELECT context->>'toolName' AS "toolName", context->'input' AS input, context->'output' AS output
FROM agent_logs
WHERE execution_id = $1 AND step_number = $2 AND event_type = 'tool_completed'
  AND context->>'ok' = 'true' AND context ? 'input' AND context ? 'output'
ORDER BY id`;
