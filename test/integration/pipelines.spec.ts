import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExecutionEventName,
  InvalidPipelineError,
  PipelineFinishedError,
  PipelinesService,
  type Transport,
} from '../../src/agent/index.js';
import type { WorkUpdatedEvent } from '../../src/agent/executions/work-updated-event.js';
import { RateLimitedError } from '../../src/agent/errors/rate-limited.error.js';
import { EchoAgent, stageRows, waitForPipeline } from '../support/pipelines.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

describe.each<Transport>(['redis', 'postgres'])('pipelines on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let pipelines: PipelinesService;
  const me = principal();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [EchoAgent],
      options: { tiers: { tiny: { maxConcurrent: 2, perHour: 100 } } },
    });
    pipelines = t.app.get(PipelinesService);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs research → analyze → write in order, each prompt rendered from the outputs before it', async () => {
    const updates: WorkUpdatedEvent[] = [];
    const stop = t.events.subscribe((e) => void (e.name === ExecutionEventName.PipelineUpdated && updates.push(e)));
    const created = await pipelines.create(me, {
      stages: [
        { name: 'research', agent_type: 'echo' },
        { name: 'analyze', agent_type: 'echo', prompt_template: 'Analyze: {previous_output}' },
        {
          name: 'write',
          agent_type: 'echo',
          prompt_template: 'Write on {initial_input} from {stages.research.output} and {stages.analyze.output}',
        },
      ],
      input: 'durable agents',
      metadata: { team: 'docs' },
    });
    expect(created).toMatchObject({
      status: 'running',
      current_stage: 0,
      stage_outputs: {},
      output: null,
      error: null,
      metadata: { team: 'docs' },
      completed_at: null,
    });
    expect(created.stages).toEqual([
      {
        name: 'research',
        agent_type: 'echo',
        status: expect.stringMatching(/^(pending|running|completed)$/),
        execution_id: expect.any(String),
      },
      { name: 'analyze', agent_type: 'echo', status: 'waiting', execution_id: null },
      { name: 'write', agent_type: 'echo', status: 'waiting', execution_id: null },
    ]);

    const done = await waitForPipeline(t, db, created.id, ['completed', 'failed', 'cancelled']);
    const research = 'echo(durable agents)';
    const analyze = `echo(Analyze: ${research})`;
    const write = `echo(Write on durable agents from ${research} and ${analyze})`;
    expect(done).toMatchObject({
      status: 'completed',
      current_stage: 2,
      stage_outputs: { research, analyze, write },
      output: write,
      error: null,
    });

    const rows = await stageRows(db, created.id);
    expect(rows.map((r) => [r.stage_index, r.stage, r.prompt, r.status, r.settle_pending])).toEqual([
      [0, 'research', 'durable agents', 'completed', false],
      [1, 'analyze', `Analyze: ${research}`, 'completed', false],
      [2, 'write', `Write on durable agents from ${research} and ${analyze}`, 'completed', false],
    ]);
    // pipeline.updated after each change: created, advanced twice, completed (the view as GET answers it).
    await expect
      .poll(() => updates.filter((u) => u.id === created.id).map((u) => [u.view.status, u.view.current_stage]))
      .toEqual([
        ['running', 0],
        ['running', 1],
        ['running', 2],
        ['completed', 2],
      ]);
    stop();
    expect(updates.at(-1)).toMatchObject({ tenantId: 't1', userId: 'u1', executionId: rows[2]!.id, view: { output: write } });
    await expect(pipelines.cancel(me, created.id)).rejects.toBeInstanceOf(PipelineFinishedError);
  });

  it('fans a parallel group of three out and joins it into a summary stage', async () => {
    const created = await pipelines.create(me, {
      stages: [
        { name: 'topic', agent_type: 'echo' },
        {
          parallel: [
            { name: 'pros', agent_type: 'echo', prompt_template: 'pros of {previous_output}' },
            { name: 'cons', agent_type: 'echo', prompt_template: 'cons of {previous_output}' },
            { name: 'cost', agent_type: 'echo', prompt_template: 'cost of {stages.topic.output}' },
          ],
        },
        { name: 'summary', agent_type: 'echo', prompt_template: 'Summarize:\n{previous_output}' },
      ],
      input: { subject: 'queues' },
    });
    const done = await waitForPipeline(t, db, created.id, ['completed', 'failed', 'cancelled']);
    const topic = 'echo({"subject":"queues"})';
    const joined = `## pros\necho(pros of ${topic})\n\n## cons\necho(cons of ${topic})\n\n## cost\necho(cost of ${topic})`;
    expect(done).toMatchObject({ status: 'completed', output: `echo(Summarize:\n${joined})` });
    const rows = await stageRows(db, created.id);
    expect(rows.map((r) => [r.stage_index, r.stage, r.status])).toEqual([
      [0, 'topic', 'completed'],
      [1, 'cons', 'completed'],
      [1, 'cost', 'completed'],
      [1, 'pros', 'completed'],
      [2, 'summary', 'completed'],
    ]);

    const view = await pipelines.create(me, {
      stages: [
        {
          parallel: [
            { name: 'x', agent_type: 'echo' },
            { name: 'y', agent_type: 'echo' },
          ],
        },
      ],
      input: 'go',
    });
    expect(view.stages).toEqual([
      {
        parallel: [
          expect.objectContaining({ name: 'x', execution_id: expect.any(String) }),
          expect.objectContaining({ name: 'y', execution_id: expect.any(String) }),
        ],
      },
    ]);
    // A parallel last stage: the pipeline's output is an object by name.
    expect(await waitForPipeline(t, db, view.id, ['completed'])).toMatchObject({ output: { x: 'echo(go)', y: 'echo(go)' } });
  });

  it('fails the pipeline at a failing stage, with its index and name, and starts nothing after it', async () => {
    const created = await pipelines.create(me, {
      stages: [
        { name: 'ok', agent_type: 'echo' },
        { name: 'bad', agent_type: 'echo', prompt_template: 'FAIL {previous_output}' },
        { name: 'never', agent_type: 'echo' },
      ],
      input: 'x',
    });
    const failed = await waitForPipeline(t, db, created.id, ['completed', 'failed', 'cancelled']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      code: 'step_error',
      stage_index: 1,
      stage: 'bad',
      message: expect.stringContaining('Failed as asked'),
    });
    expect((await stageRows(db, created.id)).map((r) => [r.stage_index, r.status])).toEqual([
      [0, 'completed'],
      [1, 'failed'],
    ]);
    await expect(pipelines.cancel(me, created.id)).rejects.toBeInstanceOf(PipelineFinishedError);
  });

  it('a failing member of a parallel group fails the pipeline and cancels its siblings', async () => {
    const created = await pipelines.create(me, {
      stages: [
        {
          parallel: [
            { name: 'slow1', agent_type: 'echo', prompt_template: 'SLOW {initial_input}' },
            { name: 'bad', agent_type: 'echo', prompt_template: 'FAIL {initial_input}' },
            { name: 'slow2', agent_type: 'echo', prompt_template: 'SLOW {initial_input}' },
          ],
        },
        { name: 'after', agent_type: 'echo' },
      ],
      input: 'x',
    });
    const failed = await waitForPipeline(t, db, created.id, ['completed', 'failed', 'cancelled']);
    expect(failed.error).toMatchObject({ code: 'step_error', stage_index: 0, stage: 'bad' });
    const [slow1, , slow2] = created.stages.flatMap((s) => ('parallel' in s ? s.parallel : [s]));
    for (const sibling of [slow1!, slow2!]) await waitForStatus(t, db, sibling.execution_id!, ['cancelled', 'completed', 'failed'], 10_000);
    expect((await stageRows(db, created.id)).map((r) => [r.stage, r.status])).toEqual([
      ['bad', 'failed'],
      ['slow1', 'cancelled'],
      ['slow2', 'cancelled'],
    ]);
  });

  it('a cancelled pipeline leaves no running stage and starts no later one', async () => {
    const created = await pipelines.create(me, {
      stages: [
        {
          parallel: [
            { name: 'slow', agent_type: 'echo', prompt_template: 'SLOW' },
            { name: 'quick', agent_type: 'echo', prompt_template: 'SLOW too' },
          ],
        },
        { name: 'next', agent_type: 'echo' },
      ],
      input: 'x',
    });
    const ids = created.stages
      .flatMap((s) => ('parallel' in s ? s.parallel : [s]))
      .map((s) => s.execution_id!)
      .filter(Boolean);
    for (const id of ids) await waitForStatus(t, db, id, ['running']);

    const cancelled = await pipelines.cancel(me, created.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', completed_at: expect.any(String) });
    for (const id of ids) await waitForStatus(t, db, id, ['cancelled', 'completed', 'failed'], 10_000);
    const rows = await stageRows(db, created.id);
    expect(rows.map((r) => [r.stage_index, r.status])).toEqual([
      [0, 'cancelled'],
      [0, 'cancelled'],
    ]);
    await expect.poll(async () => (await stageRows(db, created.id)).every((r) => !r.settle_pending)).toBe(true);
    const row = await waitForPipeline(t, db, created.id, ['cancelled']);
    expect(row.error).toBeNull();
    await expect(pipelines.cancel(me, created.id)).rejects.toBeInstanceOf(PipelineFinishedError);
  });

  it('admits the first stage against tier limits: a 429 writes nothing, not even the pipeline', async () => {
    const tiny = principal('tiny-user', 't1', 'tiny');
    const wide = { parallel: ['a', 'b', 'c'].map((name) => ({ name, agent_type: 'echo', prompt_template: 'SLOW' })) };
    await expect(pipelines.create(tiny, { stages: [wide], input: 'x' })).rejects.toBeInstanceOf(RateLimitedError);
    await expect(pipelines.create(me, { stages: [{ name: 'a', agent_type: 'nope' }], input: 'x' })).rejects.toBeInstanceOf(
      InvalidPipelineError,
    );
    const counts = await db.sql.query(
      `SELECT (SELECT count(*)::int FROM agent_pipelines WHERE user_id = 'tiny-user') AS pipelines,
              (SELECT count(*)::int FROM agent_executions WHERE user_id = 'tiny-user') AS executions`,
    );
    expect(counts.rows[0]).toEqual({ pipelines: 0, executions: 0 });
  });
});
