import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AGENT_MIGRATIONS_TABLE, MIGRATION_LOCK_KEY, TYPEORM_DEFAULT_MIGRATIONS_TABLE } from './agent-migrations-table.js';

type MigrationClass = new () => MigrationInterface;

/** PostgreSQL's `duplicate_table`: what an unguarded second run of a migration dies on. */
const DUPLICATE_TABLE = '42P07';

/**
 * Makes one of the library's migrations idempotent by name, whichever DataSource runs it.
 *
 * TypeORM decides what is pending from the running DataSource's own migrations table only, so a
 * database migrated through another table (boot's `agent_migrations`, an older release's
 * `migrations`, a host's own table) would run `CREATE TABLE` twice. Here a migration first looks
 * for its name in `agent_migrations`, TypeORM's default `migrations` and the running table: found
 * anywhere, it applies nothing and TypeORM merely records it in the running table. Applied through
 * any other table, it is recorded in `agent_migrations` too, which stays the library's full record.
 * The check and the change happen under the migration advisory lock, in the migration's transaction.
 */
export function recordedOnce(migration: MigrationClass): MigrationClass {
  const name = migration.name;
  const guarded = class extends migration {
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const running = runningTableOf(queryRunner);
      const recordedIn = await tablesRecording(queryRunner, name, [AGENT_MIGRATIONS_TABLE, TYPEORM_DEFAULT_MIGRATIONS_TABLE, running]);
      if (recordedIn.length === 0) await applyOrExplain(() => super.up(queryRunner), name);
      // A concurrent run through the same table recorded it already: TypeORM records it again next.
      if (recordedIn.includes(running)) await forget(queryRunner, running, name);
      if (running !== AGENT_MIGRATIONS_TABLE && !recordedIn.includes(AGENT_MIGRATIONS_TABLE)) await record(queryRunner, name);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await super.down(queryRunner);
      // TypeORM forgets it in the running table; no other table may still say it is applied.
      const running = runningTableOf(queryRunner);
      for (const table of await tablesRecording(queryRunner, name, [AGENT_MIGRATIONS_TABLE, TYPEORM_DEFAULT_MIGRATIONS_TABLE])) {
        if (table !== running) await forget(queryRunner, table, name);
      }
    }
  };
  // TypeORM reads a migration's name and timestamp from its class name.
  Object.defineProperty(guarded, 'name', { value: name });
  return guarded;
}

const runningTableOf = (queryRunner: QueryRunner): string => queryRunner.connection.options.migrationsTableName ?? TYPEORM_DEFAULT_MIGRATIONS_TABLE;

/** A table name as SQL, in the DataSource's schema when it names one (as TypeORM places its migrations table). */
function tableRef(queryRunner: QueryRunner, table: string): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
  return schema ? `${quote(schema)}.${quote(table)}` : quote(table);
}

/** Which of `tables` (those that exist) hold a row for `name`. */
async function tablesRecording(queryRunner: QueryRunner, name: string, tables: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of new Set(tables)) {
    const [{ exists }] = await queryRunner.query('SELECT to_regclass($1) IS NOT NULL AS exists', [tableRef(queryRunner, table)]);
    if (!exists) continue;
    const rows = await queryRunner.query(`SELECT 1 FROM ${tableRef(queryRunner, table)} WHERE "name" = $1 LIMIT 1`, [name]);
    if (rows.length > 0) found.push(table);
  }
  return found;
}

/** Records `name` in `agent_migrations`, created with TypeORM's own shape when the running table is another one. */
async function record(queryRunner: QueryRunner, name: string): Promise<void> {
  const ledger = tableRef(queryRunner, AGENT_MIGRATIONS_TABLE);
  await queryRunner.query(`CREATE TABLE IF NOT EXISTS ${ledger} ("id" SERIAL NOT NULL PRIMARY KEY, "timestamp" bigint NOT NULL, "name" character varying NOT NULL)`);
  // As TypeORM does: the timestamp is the class name's last 13 digits.
  await queryRunner.query(`INSERT INTO ${ledger} ("timestamp", "name") VALUES ($1, $2)`, [Number(name.slice(-13)), name]);
}

async function forget(queryRunner: QueryRunner, table: string, name: string): Promise<void> {
  await queryRunner.query(`DELETE FROM ${tableRef(queryRunner, table)} WHERE "name" = $1`, [name]);
}

/** Tables that exist with no record of the migration that creates them: say what happened and what to do. */
async function applyOrExplain(apply: () => Promise<void>, name: string): Promise<void> {
  try {
    await apply();
  } catch (error) {
    const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
    if (code !== DUPLICATE_TABLE) throw error;
    throw new Error(
      `Migration ${name}: ${(error as Error).message}, yet neither ${AGENT_MIGRATIONS_TABLE} nor ${TYPEORM_DEFAULT_MIGRATIONS_TABLE} records it. ` +
        `The schema was made without recording its migrations (synchronize, a partial dump, another migrations table): ` +
        `record the applied migrations' names in ${AGENT_MIGRATIONS_TABLE}, or start from an empty database.`,
      { cause: error },
    );
  }
}
