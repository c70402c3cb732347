import type pg from 'pg';

/**
 * Bytes written, measured precisely: the WAL records (pg_walinspect, PostgreSQL ≥ 15) of this
 * database's relations, plus the records of the same transactions (their commit records), between
 * two LSNs. WAL is cluster-wide and other databases may be busy; filtering by database OID keeps
 * their records out.
 *
 * Relation growth is reported alongside as tuple bytes (pgstattuple: `tuple_len + dead_tuple_len`
 * of each table, its indexes and its TOAST table), exact to the byte where `pg_total_relation_size`
 * moves in 8 KiB pages (and `table_len - free_space` jumps when a pre-extended, all-zero page is
 * first used). The append-only tables grow by what a step adds; `agent_executions` is updated in
 * place (HOT), and pruning of its dead versions makes its part go up and down.
 */
export const WATCHED_TABLES = ['agent_executions', 'agent_messages', 'agent_logs'] as const;

export interface WalMark {
  lsn: string;
  /** Tuple bytes (live + dead) of each watched table with its indexes and TOAST. */
  usedBytes: Record<string, number>;
}

export interface WalWindow {
  /** Sum of record lengths minus full-page images: what the commits themselves write. */
  recordBytes: number;
  /** Full-page images (first touch of a page after a checkpoint): timing-dependent, not per-step cost. */
  fpiBytes: number;
  records: number;
  /** Record bytes (without FPI) by relation (the first block a record references), plus `(commit)` for records without blocks. */
  byRelation: Record<string, number>;
  /** Heap updates of `agent_executions`: HOT ones leave every index alone. */
  executionUpdates: number;
  executionHotUpdates: number;
  /** Growth of tuple bytes of each watched table with its indexes and TOAST. */
  usedGrowthBytes: Record<string, number>;
}

/** Both are contrib extensions shipped with PostgreSQL; creating them needs a superuser (the bench's URL is one). */
export async function enableWalInspect(sql: pg.Pool): Promise<void> {
  await sql.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  await sql.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
}

export async function walMark(sql: pg.Pool): Promise<WalMark> {
  const { rows } = await sql.query(
    `WITH tables AS (SELECT t AS name, t::regclass::oid AS oid FROM unnest($1::text[]) AS t),
     rels AS (
       SELECT name, oid FROM tables
       -- NOTE: pgstattuple reads no GIN index (the metadata one): its writes count in the WAL figures only.
       UNION ALL SELECT t.name, i.indexrelid FROM tables t JOIN pg_index i ON i.indrelid = t.oid
         JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam WHERE am.amname <> 'gin'
       UNION ALL SELECT t.name, c.reltoastrelid FROM tables t JOIN pg_class c ON c.oid = t.oid WHERE c.reltoastrelid <> 0
     ), used AS (
       SELECT rels.name, sum(s.tuple_len + s.dead_tuple_len)::bigint AS bytes FROM rels, LATERAL pgstattuple(rels.oid) AS s GROUP BY rels.name
     )
     SELECT pg_current_wal_insert_lsn()::text AS lsn, (SELECT json_object_agg(name, bytes) FROM used) AS used`,
    [WATCHED_TABLES],
  );
  return { lsn: rows[0].lsn, usedBytes: rows[0].used as Record<string, number> };
}

export async function walBetween(sql: pg.Pool, from: WalMark, to: WalMark): Promise<WalWindow> {
  // Our commits waited for their WAL flush, so everything of ours is at or before the flush LSN.
  const { rows } = await sql.query(
    `WITH bounds AS (
       SELECT $1::pg_lsn AS lo, LEAST(pg_current_wal_flush_lsn(), GREATEST($1::pg_lsn, $2::pg_lsn)) AS hi
     ), r AS (
       SELECT w.xid, w.resource_manager, w.record_type, w.record_length, w.fpi_length,
              substring(w.block_ref from 'rel \\d+/(\\d+)/')::oid AS db_oid,
              substring(w.block_ref from 'rel \\d+/\\d+/(\\d+)')::oid AS filenode
       FROM bounds, pg_get_wal_records_info(bounds.lo, bounds.hi) AS w
     ), mine AS (
       -- this database's user relations (catalog ones, below FirstNormalObjectId, change under autovacuum's ANALYZE, not under a step)
       SELECT * FROM r WHERE db_oid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND filenode >= 16384
     ), ours AS (
       SELECT DISTINCT xid FROM mine WHERE xid <> '0'::xid
     )
     SELECT r.resource_manager, r.record_type, c.relname, count(*)::int AS n,
            sum(r.record_length - r.fpi_length)::bigint AS bytes, sum(r.fpi_length)::bigint AS fpi
     FROM r LEFT JOIN pg_class c ON pg_relation_filenode(c.oid) = r.filenode
     WHERE (r.db_oid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND r.filenode >= 16384)
        OR r.xid IN (SELECT xid FROM ours)
     GROUP BY 1, 2, 3`,
    [from.lsn, to.lsn],
  );
  const window: WalWindow = {
    recordBytes: 0,
    fpiBytes: 0,
    records: 0,
    byRelation: {},
    executionUpdates: 0,
    executionHotUpdates: 0,
    usedGrowthBytes: Object.fromEntries(WATCHED_TABLES.map((t) => [t, Number(to.usedBytes[t]) - Number(from.usedBytes[t])])),
  };
  for (const row of rows as {
    resource_manager: string;
    record_type: string;
    relname: string | null;
    n: number;
    bytes: string;
    fpi: string;
  }[]) {
    const bytes = Number(row.bytes);
    window.recordBytes += bytes;
    window.fpiBytes += Number(row.fpi);
    window.records += row.n;
    const key = row.relname ?? (row.resource_manager === 'Transaction' ? '(commit)' : `(${row.resource_manager})`);
    window.byRelation[key] = (window.byRelation[key] ?? 0) + bytes;
    if (row.relname === 'agent_executions' && row.resource_manager === 'Heap') {
      if (row.record_type.startsWith('HOT_UPDATE')) {
        window.executionUpdates += row.n;
        window.executionHotUpdates += row.n;
      } else if (row.record_type.startsWith('UPDATE')) {
        window.executionUpdates += row.n;
      }
    }
  }
  return window;
}
