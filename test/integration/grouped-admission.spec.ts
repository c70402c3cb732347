import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIT_BATCH_SQL } from '../../src/agent/executions/lifecycle/start-admission.sql.js';
import { uuidv7, uuidv7Floor } from '../../src/agent/executions/uuid-v7.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR_MS = 3_600_000;

interface Answer {
  existing: { id: string } | null;
  created: { id: string; status: string } | null;
  concurrent: number;
  hourly: number;
  oldest: string | null;
}

/**
 * `agents_admit_batch`: the starts that queued together, admitted in one statement. A user's counts
 * are read once for all of their starts and carried on from one to the next; these pin that the
 * carried counts are the ones a fresh read would give.
 */
describe('a batch of admissions (agents_admit_batch)', () => {
  let db: TestDatabase;
  let users = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  const newUser = () => `user-${++users}`;

  /** One start of `user` at `now`, as `StartAdmission` sends it; `lock_key` per user unless given. */
  const start = (
    user: string,
    o: { now?: number; status?: string; maxConcurrent?: number; perHour?: number; key?: string; lockKey?: number } = {},
  ) => {
    const now = o.now ?? Date.now();
    return {
      id: uuidv7(now),
      tenant_id: 'tenant-batch',
      user_id: user,
      agent_type: 'steps',
      queue: 'agents-default',
      input: { steps: 1 },
      metadata: {},
      idempotency_key: o.key ?? null,
      status: o.status ?? 'pending',
      scheduled_for: null,
      awaiting_event: null,
      wait_seconds: null,
      hour_start: uuidv7Floor(now - HOUR_MS),
      max_concurrent: o.maxConcurrent ?? 1_000,
      per_hour: o.perHour ?? 1_000,
      tier: 'pro',
      links: {},
      lock_key: o.lockKey ?? 1_000 + users,
    };
  };

  const admit = async (rows: (ReturnType<typeof start> & { hooks?: unknown })[]): Promise<Answer[]> => {
    const { rows: answers } = await db.sql.query<{ ord: number; admitted: Answer }>(ADMIT_BATCH_SQL, [
      JSON.stringify(rows.map((row, ord) => ({ ord, ...row }))),
    ]);
    const byOrd: Answer[] = [];
    for (const a of answers) byOrd[a.ord] = a.admitted;
    return byOrd;
  };

  /** Earlier starts of `user`, `minutesAgo` each, ended (`completed`) unless told. */
  const earlier = async (user: string, minutesAgo: number[], status = 'completed') => {
    for (const m of minutesAgo) {
      const at = Date.now() - m * 60_000;
      await db.sql.query(
        `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, created_at)
         VALUES ($1, 'tenant-batch', $2, 'steps', $3, 'agents-default', '{}', $4)`,
        [uuidv7(at), user, status, new Date(at)],
      );
    }
  };

  it("admits up to the hourly limit across one user's starts, counting the earlier ones of the hour only", async () => {
    const user = newUser();
    await earlier(user, [90, 50, 20]); // 90 minutes ago is outside the hour
    const answers = await admit(Array.from({ length: 6 }, () => start(user, { perHour: 5 })));
    expect(answers.map((a) => a.hourly)).toEqual([2, 3, 4, 5, 5, 5]);
    expect(answers.map((a) => a.created !== null)).toEqual([true, true, true, false, false, false]);
    // A refused start says since when the hour is full: its oldest start, 50 minutes ago.
    const oldest = new Date(answers[3]!.oldest!).getTime();
    expect(Math.abs(oldest - (Date.now() - 50 * 60_000))).toBeLessThan(60_000);
  });

  it('counts the live starts it admitted towards the concurrency limit, and a scheduled one not', async () => {
    const user = newUser();
    await earlier(user, [5], 'running');
    const answers = await admit([
      start(user, { maxConcurrent: 3 }),
      start(user, { maxConcurrent: 3, status: 'scheduled' }),
      start(user, { maxConcurrent: 3 }),
      start(user, { maxConcurrent: 3 }),
    ]);
    expect(answers.map((a) => a.concurrent)).toEqual([1, 2, 2, 3]);
    expect(answers.map((a) => a.created?.status ?? null)).toEqual(['pending', 'scheduled', 'pending', null]);
  });

  it('moves the window with each start: a start that left the hour between two starts counts for the first only', async () => {
    const user = newUser();
    const now = Date.now();
    // Started 60 minutes before `now + 0.5 s`: inside the hour of a start at `now`, outside that of one at `now + 1 s`.
    const leaving = now + 500 - HOUR_MS;
    await db.sql.query(
      `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, created_at)
       VALUES ($1, 'tenant-batch', $2, 'steps', 'completed', 'agents-default', '{}', $3)`,
      [uuidv7(leaving), user, new Date(leaving)],
    );
    await earlier(user, [10]);
    const later = await admit([start(user, { now, perHour: 3 }), start(user, { now: now + 1_000, perHour: 3 })]);
    expect(later.map((a) => a.hourly)).toEqual([2, 2]); // 2 earlier, then 3 - 1 that left
    expect(later.map((a) => a.created !== null)).toEqual([true, true]);

    // The other way round (a start whose hour reaches further back comes second): the leaving one counts again.
    const other = newUser();
    await db.sql.query(
      `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, created_at)
       VALUES ($1, 'tenant-batch', $2, 'steps', 'completed', 'agents-default', '{}', $3)`,
      [uuidv7(leaving), other, new Date(leaving)],
    );
    const earlierFirst = await admit([start(other, { now: now + 1_000, perHour: 2 }), start(other, { now, perHour: 2 })]);
    expect(earlierFirst.map((a) => a.hourly)).toEqual([0, 2]);
    expect(earlierFirst.map((a) => a.created !== null)).toEqual([true, false]);
  });

  it('counts each user on their own where two share a lock key', async () => {
    const [a, b] = [newUser(), newUser()];
    await earlier(a, [1, 2]);
    const answers = await admit([
      start(a, { perHour: 3, lockKey: 7 }),
      start(b, { perHour: 3, lockKey: 7 }),
      start(a, { perHour: 3, lockKey: 7 }),
      start(b, { perHour: 3, lockKey: 7 }),
    ]);
    expect(answers.map((x) => x.hourly)).toEqual([2, 0, 3, 1]);
    expect(answers.map((x) => x.created !== null)).toEqual([true, true, false, true]);
  });

  it('sets the hooks of each start it admits on its row, and inserts none it refuses', async () => {
    const user = newUser();
    const hooks = [{ url: 'https://example.com/done' }];
    const answers = await admit([{ ...start(user, { perHour: 1 }), hooks }, { ...start(user, { perHour: 1 }), hooks }, start(user)]);
    expect(answers.map((a) => a.created !== null)).toEqual([true, false, true]);
    const { rows } = await db.sql.query(`SELECT id, hooks FROM agent_executions WHERE user_id = $1`, [user]);
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: answers[0]!.created!.id, hooks },
        { id: answers[2]!.created!.id, hooks: null },
      ]),
    );
  });

  it('answers a repeated idempotency key with the row the batch admitted, counting it once', async () => {
    const user = newUser();
    const answers = await admit([start(user, { key: 'same' }), start(user, { key: 'same' }), start(user)]);
    expect(answers[0]!.created).not.toBeNull();
    expect(answers[1]!.existing!.id).toBe(answers[0]!.created!.id);
    expect(answers[2]!.hourly).toBe(1);
  });

  it.each([
    ['admitted', 10_000],
    ['refused by the hourly limit', 1_000],
  ])("reads the user's last hour once per batch, not once per start (%s)", async (_, perHour) => {
    const user = newUser();
    // 2,000 earlier starts of the last hour (UUIDv7-like ids: the time first).
    await db.sql.query(
      `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input)
       SELECT ($2 || substr(gen_random_uuid()::text, 14))::uuid, 'tenant-batch', $1, 'steps', 'completed', 'agents-default', '{}'
       FROM generate_series(1, 2000)`,
      [user, uuidv7(Date.now() - 60_000).slice(0, 13)],
    );
    await db.sql.query('ANALYZE agent_executions'); // as autovacuum would after so many rows
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      const { rows: answers } = await client.query<{ admitted: Answer }>(ADMIT_BATCH_SQL, [
        JSON.stringify(Array.from({ length: 50 }, (_, ord) => ({ ord, ...start(user, { perHour }) }))),
      ]);
      expect(answers.filter((a) => a.admitted.created !== null)).toHaveLength(perHour > 2_000 ? 50 : 0);
      const { rows } = await client.query<{ read: number }>(
        `SELECT ((SELECT sum(pg_stat_get_xact_tuples_returned(indexrelid)) FROM pg_index WHERE indrelid = 'agent_executions'::regclass)
               + (SELECT coalesce(seq_tup_read, 0) FROM pg_stat_xact_user_tables WHERE relname = 'agent_executions'))::int AS read`,
      );
      await client.query('ROLLBACK');
      // Index entries and table rows read in this transaction. Here the user's hour is half the
      // table, so a read of it may be a scan of the table (~4,000 rows): once, or twice when refused
      // (how many, and since when), and a few rows per start. Once per start: over 50 × 2,000.
      expect(rows[0]!.read).toBeGreaterThanOrEqual(2_000);
      expect(rows[0]!.read).toBeLessThan(25_000);
    } finally {
      client.release();
    }
  });
});
