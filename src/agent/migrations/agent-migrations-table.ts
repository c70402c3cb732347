/**
 * The table that records which of the library's migrations are applied. Boot, `npm run migrate`,
 * the TypeORM CLI (`ormconfig.ts`) and a host's own DataSource all name it, so a database migrated
 * one way is up to date for every other.
 */
export const AGENT_MIGRATIONS_TABLE = 'agent_migrations';

/**
 * TypeORM's default table: older releases recorded the library's migrations there when run by
 * `npm run migrate` or the TypeORM CLI, and a host's DataSource without `migrationsTableName`
 * still does. A name recorded there counts as applied.
 */
export const TYPEORM_DEFAULT_MIGRATIONS_TABLE = 'migrations';

/** Arbitrary but fixed: every replica of every host app takes the same lock before migrating. */
export const MIGRATION_LOCK_KEY = 0x6167_6e74; // 'agnt'
