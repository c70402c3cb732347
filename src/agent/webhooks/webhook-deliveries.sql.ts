/** Claims a delivery id; nothing returned = seen before. */
export const CLAIM_DELIVERY_SQL = `
INSERT INTO agent_webhook_deliveries (tenant_id, delivery_id, result) VALUES ($1, $2, '{}'::jsonb)
ON CONFLICT (tenant_id, delivery_id) DO NOTHING RETURNING delivery_id`;

export const DELIVERY_RESULT_SQL = `SELECT result FROM agent_webhook_deliveries WHERE tenant_id = $1 AND delivery_id = $2`;

export const RECORD_RESULT_SQL = `UPDATE agent_webhook_deliveries SET result = $3::jsonb WHERE tenant_id = $1 AND delivery_id = $2`;
