/** SQLSTATEs of a server that went away or is not accepting connections yet (class 08, admin/crash shutdown, starting up). */
const CONNECTION_STATES = /^(08...|57P01|57P02|57P03)$/;
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether a query failed because the connection to PostgreSQL was lost or refused (a restart, a
 * failover), rather than because of the statement: only then is sending it again the cure.
 */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && (CONNECTION_STATES.test(e.code) || NODE_CODES.has(e.code))) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection error and is not queryable|Client was closed and is not queryable/i.test(message);
}
