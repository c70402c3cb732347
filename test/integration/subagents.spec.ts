import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineLlmAgent, RecoveryService, type Transport } from '../../src/agent/index.js';
import { ExecutionSettlement } from '../../src/agent/executions/lifecycle/execution-settlement.js';
import { ExecutionStore } from '../../src/agent/executions/run/execution-store.js';
import { seedExecution } from '../support/execution-factory.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../../src/agent/infrastructure/queue-names.js';
import { createScriptedModel, type ScriptedCall } from '../../src/agent/runtime/scripted-model.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const SUMMARY_MAX = 100;

/** A promise the test resolves: children whose task is `gate` answer only once it is opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The lead spawns what its prompt lists (`spawn researcher:<task> ...`), then answers with the
 * results it got back. Every call after a spawn is recorded, to check what reached the model.
 */
const resumedCalls: { executionInput: string; toolResults: ScriptedCall['toolResults'] }[] = [];
/** A lead asked to spawn `slowly` waits for this before answering with its spawn calls. */
let leadGate = gate();
const lead = defineLlmAgent({
  name: 'lead',
  system: 'You lead a team of researchers.',
  subagents: true,
  model: createScriptedModel({
    modelId: 'lead-model',
    script: async (call, turn) => {
      if (turn === 0) {
        if (call.lastUserText.startsWith('slowly ')) await leadGate.opened;
        const requests = call.lastUserText.replace(/^(slowly )?spawn /, '').split(' ');
        return {
          toolCalls: requests.map((r) => ({ toolName: 'spawn_subagent', input: { name: r.split(':')[0], task: r.split(':')[1] } })),
        };
      }
      resumedCalls.push({ executionInput: call.lastUserText, toolResults: call.toolResults });
      return { text: `Team reported: ${call.toolResults.map((r) => String(r.output)).join(' | ')}` };
    },
  }),
});

let currentGate = gate();
/** The researcher: `long` answers 5,000 characters, `gate` waits for the test, `deeper` tries to spawn in turn. */
const researcherModel = createScriptedModel({
  modelId: 'researcher-model',
  script: async (call, turn) => {
    const task = call.lastUserText;
    if (task === 'deeper' && turn === 0)
      return { toolCalls: [{ toolName: 'spawn_subagent', input: { name: 'researcher', task: 'even deeper' } }] };
    if (task === 'deeper') return { text: `Could not delegate: ${String(call.toolResults[0]?.output)}` };
    if (task === 'gate') await currentGate.opened;
    if (task === 'long') return { text: 'r'.repeat(5000) };
    return { text: `Result of ${task}` };
  },
});

describe.each<Transport>(['redis', 'postgres'])('subagents on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      agents: [lead],
      options: {
        subagents: {
          specs: [{ name: 'researcher', description: 'Looks things up', systemPrompt: 'You research.', subagents: true }],
          model: researcherModel,
          maxDepth: 1,
          summaryMaxChars: SUMMARY_MAX,
        },
        lifecycle: { cancelGraceMs: 300 },
        // The sweep is driven by the tests themselves, so what settles what is deterministic.
        maintenance: { enabled: false },
      },
    });
  });
  beforeEach(() => {
    resumedCalls.length = 0;
  });
  afterEach(() => {
    currentGate.open();
    leadGate.open();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const children = async (parentId: string) =>
    (
      await db.sql.query(
        `SELECT id, status, agent_type, depth, metadata, output, settle_pending FROM agent_executions WHERE parent_execution_id = $1 ORDER BY id`,
        [parentId],
      )
    ).rows;
  const logsOf = async (id: string, eventType: string) =>
    (await db.sql.query(`SELECT message, context FROM agent_logs WHERE execution_id = $1 AND event_type = $2 ORDER BY id`, [id, eventType]))
      .rows;
  /** Jobs of an execution in any state that holds or will take a worker. */
  const jobsOf = async (id: string) => {
    const queues = t.app.get(ExecutionQueue);
    const jobs = await Promise.all(ALL_QUEUES.map((name) => queues.queue(name).getJobs(['active', 'waiting', 'delayed', 'prioritized'])));
    return jobs
      .flat()
      .filter((job) => job && ('executionIds' in job.data ? job.data.executionIds.includes(id) : job.data.executionId === id));
  };
  async function spawnGated(count: number) {
    currentGate = gate();
    const parent = await t.manager.start(principal(), 'lead', `spawn ${Array.from({ length: count }, () => 'researcher:gate').join(' ')}`);
    await waitForStatus(t, db, parent.id, ['awaiting_children']);
    await expect
      .poll(async () => (await children(parent.id)).map((c) => c.status), { timeout: 10_000 })
      .toEqual(Array(count).fill('running'));
    return parent;
  }

  it('runs children as executions of their own and resumes the parent with their capped summaries', async () => {
    const parent = await t.manager.start(principal(), 'lead', 'spawn researcher:long researcher:short');
    const done = await waitForStatus(t, db, parent.id, ['completed', 'failed']);

    const kids = await children(parent.id);
    expect(kids).toMatchObject([
      {
        status: 'completed',
        agent_type: 'subagent.researcher',
        depth: 1,
        metadata: { subagent: 'researcher', tool_call_id: 'call_0_0', spawn_step: 1 },
      },
      {
        status: 'completed',
        agent_type: 'subagent.researcher',
        depth: 1,
        metadata: { subagent: 'researcher', tool_call_id: 'call_0_1', spawn_step: 1 },
      },
    ]);
    // Each child's end is settled in a transaction of its own: the one that woke the parent may land before the other's.
    await expect.poll(async () => (await children(parent.id)).every((k) => k.settle_pending === false), { timeout: 10_000 }).toBe(true);
    // What reached the parent's next model call: one result per child, in spawn order, cut to the cap.
    const resumed = resumedCalls.find((c) => c.executionInput === 'spawn researcher:long researcher:short')!;
    expect(resumed.toolResults).toEqual([
      { toolName: 'spawn_subagent', output: `${'r'.repeat(SUMMARY_MAX - 1)}…` },
      { toolName: 'spawn_subagent', output: 'Result of short' },
    ]);
    expect(done).toMatchObject({
      status: 'completed',
      step_count: 2,
      output: `Team reported: ${'r'.repeat(SUMMARY_MAX - 1)}… | Result of short`,
    });
    // The history: user, assistant (the two calls), one tool message per child, the answer; seqs without gaps.
    const { rows: messages } = await db.sql.query(`SELECT seq, role FROM agent_messages WHERE execution_id = $1 ORDER BY seq`, [parent.id]);
    expect(messages).toEqual([1, 2, 3, 4, 5].map((seq, i) => ({ seq, role: ['user', 'assistant', 'tool', 'tool', 'assistant'][i] })));
    expect(await logsOf(parent.id, 'children_completed')).toHaveLength(1);
  });

  it('holds no worker while the parent waits, and wakes it exactly once when its children end together', async () => {
    const parent = await spawnGated(2);
    const row = (await db.sql.query(`SELECT status, lease_owner, settle_pending FROM agent_executions WHERE id = $1`, [parent.id])).rows[0];
    expect(row).toEqual({ status: 'awaiting_children', lease_owner: null, settle_pending: true });
    expect(await jobsOf(parent.id)).toEqual([]);

    currentGate.open(); // both children answer at the same moment
    await waitForStatus(t, db, parent.id, ['completed']);
    expect((await children(parent.id)).map((c) => c.status)).toEqual(['completed', 'completed']);
    expect(await logsOf(parent.id, 'children_completed')).toHaveLength(1);
    expect(resumedCalls.filter((c) => c.executionInput === 'spawn researcher:gate researcher:gate')).toHaveLength(1);
    const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM agent_messages WHERE execution_id = $1 AND role = 'tool'`, [
      parent.id,
    ]);
    expect(rows[0].n).toBe(2);
  });

  it('cancels the children, running ones within the grace period, when the waiting parent is cancelled', async () => {
    const parent = await spawnGated(2);
    const { execution, pending } = await t.manager.cancel(principal(), parent.id);
    expect({ status: execution.status, pending }).toEqual({ status: 'cancelled', pending: false });

    const started = Date.now();
    const kids = await children(parent.id);
    for (const kid of kids) await waitForStatus(t, db, kid.id, ['cancelled'], 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await children(parent.id)).map((c) => c.metadata)).toEqual(
      kids.map(() => expect.objectContaining({ force_killed: true, cancel_escalated: true })),
    );
    const signals = await db.sql.query(
      `SELECT payload FROM agent_signals WHERE execution_id = ANY($1::uuid[]) AND signal_type = 'cancel'`,
      [kids.map((k) => k.id)],
    );
    expect(signals.rows.map((r) => r.payload)).toEqual(
      kids.map(() => ({ cancelled_with: 'its parent (cancelled)', parent_execution_id: parent.id })),
    );
    expect((await db.sql.query(`SELECT settle_pending FROM agent_executions WHERE id = $1`, [parent.id])).rows[0].settle_pending).toBe(
      false,
    );
  });

  it('cancels a parent asked to cancel during its spawning step as soon as that step commits, and its children with it', async () => {
    currentGate = gate();
    leadGate = gate();
    const parent = await t.manager.start(principal(), 'lead', 'slowly spawn researcher:gate researcher:gate');
    await waitForStatus(t, db, parent.id, ['running']);
    expect((await t.manager.cancel(principal(), parent.id)).pending).toBe(true);
    leadGate.open();

    await waitForStatus(t, db, parent.id, ['cancelled']);
    const kids = await children(parent.id);
    expect(kids).toHaveLength(2);
    // Cancelled before they ever ran: their jobs were never enqueued.
    for (const kid of kids) expect(await waitForStatus(t, db, kid.id, ['cancelled'], 5_000)).toMatchObject({ step_count: 0 });
    for (const kid of kids) expect(await jobsOf(kid.id)).toEqual([]);
  });

  it('writes nothing of a spawning step, children included, when the lease was lost', async () => {
    const id = await seedExecution(db, { status: 'running', agentType: 'lead' });
    const store = t.app.get(ExecutionStore);
    const lease = {
      executionId: id,
      tenantId: 't1',
      userId: 'u1',
      agentType: 'lead',
      tier: 'test',
      queue: 'agents-default',
      epoch: 0,
      depth: 0,
    };
    const result = await store.commitSpawning(
      {
        lease: lease as never,
        stepsAdded: 1,
        stepNumber: 1,
        messages: [{ role: 'assistant', content: 'spawning' }],
        logs: [],
        inputTokens: 1,
        outputTokens: 1,
        state: null,
        nextStatus: 'awaiting_children',
      },
      [
        {
          tenantId: 't1',
          userId: 'u1',
          tier: 'test',
          agentType: 'subagent.researcher',
          queue: 'agents-default',
          input: 'x',
          parentExecutionId: id,
          depth: 1,
        },
      ],
    );
    expect(result).toEqual({ committed: null, children: [] });
    expect(await children(id)).toEqual([]);
    const row = (await db.sql.query(`SELECT status, step_count, settle_pending, message_count FROM agent_executions WHERE id = $1`, [id]))
      .rows[0];
    expect(row).toEqual({ status: 'running', step_count: 0, settle_pending: false, message_count: 0 });
  });

  it('refuses a spawn beyond the maximum depth: the child gets the refusal as the tool result, no grandchild is created', async () => {
    const parent = await t.manager.start(principal(), 'lead', 'spawn researcher:deeper');
    const done = await waitForStatus(t, db, parent.id, ['completed', 'failed']);

    const [child] = await children(parent.id);
    expect(child).toMatchObject({ status: 'completed', depth: 1 });
    expect(await children(child.id)).toEqual([]);
    expect((await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE depth > 1`)).rows[0].n).toBe(0);
    const [refused] = await logsOf(child.id, 'subagent_refused');
    expect(refused.message).toMatch(/beyond the maximum depth 1/);
    expect(child.output).toMatch(/^Could not delegate: Subagents cannot be spawned here/);
    expect(done.status).toBe('completed');
  });

  it('wakes the parent once when the children ended but their process died before settling, whoever re-drives it', async () => {
    const parent = await spawnGated(2);
    const kids = await children(parent.id);
    // Both children's ends are committed (as their runners would), and no process settled them.
    await db.sql.query(
      `UPDATE agent_executions SET status = 'completed', output = to_jsonb('Found ' || id::text), completed_at = now(), lease_owner = NULL
       WHERE id = ANY($1::uuid[])`,
      [kids.map((k) => k.id)],
    );
    const settlement = t.app.get(ExecutionSettlement);
    const recovery = t.app.get(RecoveryService);
    const byId = (id: string) => settlement.settle(id).then((settled) => (settled ? [id] : []));
    const attempts = await Promise.all([
      byId(kids[0].id),
      byId(kids[1].id),
      byId(kids[0].id),
      recovery.recoverStuck(60_000).then((r) => r.settled),
    ]);
    // Each child's end is settled once, by one of the attempts (the sweep may also settle other tests' leftovers).
    const kidIds = kids.map((k) => k.id);
    expect(
      attempts
        .flat()
        .filter((id) => kidIds.includes(id))
        .sort(),
    ).toEqual([...kidIds].sort());

    await waitForStatus(t, db, parent.id, ['completed']);
    expect(await logsOf(parent.id, 'children_completed')).toHaveLength(1);
    const resumed = resumedCalls.filter((c) => c.executionInput === 'spawn researcher:gate researcher:gate').at(-1)!;
    expect(resumed.toolResults.map((r) => r.output)).toEqual(kids.map((k) => `Found ${k.id}`));
  });
});
