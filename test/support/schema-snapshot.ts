import pg from 'pg';

/** Tables that record migrations, not the library's schema. */
const LEDGERS = ['agent_migrations', 'migrations', 'app_migrations', 'host_notes'];

/** The library's tables, columns, indexes and constraints in `public`, as comparable text. */
export async function schemaSnapshot(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ line: string }>(
      `SELECT format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, column_default) AS line
         FROM information_schema.columns WHERE table_schema = 'public' AND NOT table_name = ANY($1)
       UNION ALL
       SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public' AND NOT tablename = ANY($1)
       UNION ALL
       SELECT format('constraint %s.%s %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND NOT c.conrelid::regclass::text = ANY($1)
       ORDER BY 1`,
      [LEDGERS],
    );
    return rows.map((r) => r.line);
  } finally {
    await client.end();
  }
}
