import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecoveryService, type Transport } from '../../src/agent/index.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { stageRows, waitForPipeline } from '../support/pipelines.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const LEASE_TIMEOUT_MS = 1500;
const DIE_ON_COMPLETION = `--import=${pathToFileURL(resolve('test/support/die-on-completion.mjs')).href}`;

/**
 * THE crash of DESIGN rule 2: the worker dies right after a stage's terminal commit, before the
 * pipeline advanced (nothing in the API process settles it: maintenance is off there). The end
 * is still owed on the row, so the recovery sweep advances the pipeline, exactly once.
 */
describe.each<Transport>(['redis', 'postgres'])(
  'a worker killed between a stage end and the pipeline advance (%s transport)',
  (transport) => {
    let db: TestDatabase;
    let api: ExampleApp;
    let env: Record<string, string>;
    let doomed: WorkerProcess | undefined;
    let fresh: ExampleApp | undefined;

    beforeAll(async () => {
      db = await createTestDatabase();
      env = exampleEnv(db, transport, { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS), AGENTS_MAINTENANCE: 'off' });
      api = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX!, { ...env, AGENTS_WORKERS: 'off' });
    });

    afterAll(async () => {
      await doomed?.stop('SIGKILL');
      await fresh?.close();
      await api?.close();
      await db?.drop();
    });

    const pipelineRow = async (id: string) =>
      (await db.sql.query('SELECT status, current_stage, output FROM agent_pipelines WHERE id = $1', [id])).rows[0];

    it('is advanced by the recovery sweep and finishes with exactly one execution per stage', async () => {
      const res = await request(api.app.getHttpServer())
        .post('/api/pipelines')
        .set('authorization', `Bearer ${api.token({})}`)
        .send({ stages: ['gather', 'check', 'publish'].map((name) => ({ name, agent_type: 'steps' })), input: 'crash me' });
      expect(res.status).toBe(201);
      const id = res.body.id as string;

      doomed = startWorkerProcess({ ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${DIE_ON_COMPLETION}`.trim() });
      const [, signal] = await once(doomed.child, 'exit');
      expect(signal).toBe('SIGKILL');

      // The stage ended (committed) but its consequence did not happen: still owed on its row.
      const [gather, ...others] = await stageRows(db, id);
      expect(others).toEqual([]);
      expect(gather).toMatchObject({ stage_index: 0, stage: 'gather', status: 'completed', settle_pending: true });
      expect(await pipelineRow(id)).toMatchObject({ status: 'running', current_stage: 0 });

      const report = await api.app.get(RecoveryService).recoverStuck(LEASE_TIMEOUT_MS);
      expect(report.settled).toEqual([gather!.id]);
      expect((await stageRows(db, id)).map((r) => [r.stage_index, r.stage, r.status])).toEqual([
        [0, 'gather', 'completed'],
        [1, 'check', 'pending'],
      ]);

      // A fresh worker (an example app node with workers on, in this process: its events are visible here).
      fresh = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX!, env);
      expect((await waitForPipeline(fresh, db, id, ['completed', 'failed', 'cancelled'])).status).toBe('completed');

      const rows = await stageRows(db, id);
      const perStage = await db.sql.query(
        `SELECT stage_index, count(*)::int AS n FROM agent_executions WHERE pipeline_id = $1 GROUP BY stage_index ORDER BY stage_index`,
        [id],
      );
      expect(perStage.rows).toEqual([
        { stage_index: 0, n: 1 },
        { stage_index: 1, n: 1 },
        { stage_index: 2, n: 1 },
      ]);
      expect(rows.every((r) => r.status === 'completed' && !r.settle_pending)).toBe(true);
      expect(await pipelineRow(id)).toMatchObject({ current_stage: 2, output: { steps_done: 3 } });
      // A second sweep finds nothing owed: the advance happened once.
      expect((await api.app.get(RecoveryService).recoverStuck(LEASE_TIMEOUT_MS)).settled).toEqual([]);
    });
  },
);
