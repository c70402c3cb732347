/** Appends tokens, one row each, in the order given. $1 execution ids · $2 seqs · $3 steps · $4 epochs · $5 indexes · $6 texts */
export const APPEND_CHAT_TOKENS_SQL = `
INSERT INTO agent_chat_tokens (execution_id, seq, step, epoch, idx, text)
SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::int[], $4::int[], $5::int[], $6::text[])`;

/** An execution's tokens appended after row $2, in the order they were appended. $1 execution id · $2 row id */
export const READ_CHAT_TOKENS_SQL = `
SELECT id, seq, step, epoch, idx, text FROM agent_chat_tokens WHERE execution_id = $1 AND id > $2 ORDER BY id`;

/** Tokens past their retention. $1 seconds */
export const EXPIRE_CHAT_TOKENS_SQL = `
DELETE FROM agent_chat_tokens WHERE created_at < now() - make_interval(secs => $1)`;
