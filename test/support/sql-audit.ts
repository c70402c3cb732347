import pg from 'pg';

const TABLES =
  /\b(agent_executions|agent_logs|agent_messages|agent_signals|agent_event_inbox|agent_conversations|agent_pipelines|token_usage_records|agent_budgets|agent_budget_ledger)\b/;

/**
 * Records every SQL statement this process sends while `work` runs, and returns those that touch
 * the library's execution tables without a tenant condition: a request path must have none.
 */
export async function unscopedQueriesDuring(work: () => Promise<void>): Promise<{ audited: number; unscoped: string[] }> {
  const { statements } = await statementsDuring(work);
  const touching = statements.filter((s) => TABLES.test(s.text));
  return { audited: touching.length, unscoped: touching.filter((s) => !/tenant_id/.test(s.text)).map((s) => s.text) };
}

/** A statement sent: its text, prepared name, which connection sent it, and when (`performance.now()`). */
export interface SentStatement {
  text: string;
  name?: string;
  connection: number;
  at: number;
}

/** Every statement this process sends while `work` runs, and what `work` returned. */
export async function statementsDuring<T>(work: () => Promise<T>): Promise<{ result: T; statements: SentStatement[] }> {
  const statements: SentStatement[] = [];
  const connections = new WeakMap<pg.Client, number>();
  let seen = 0;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
    if (!connections.has(this)) connections.set(this, ++seen);
    if (text)
      statements.push({ text, name: (config as { name?: string }).name, connection: connections.get(this)!, at: performance.now() });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await work(), statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}
