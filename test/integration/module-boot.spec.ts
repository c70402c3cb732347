import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, step, type AgentStepper } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

@Agent({ name: 'steps' })
class ImpostorStepsAgent implements AgentStepper {
  async step() {
    return step.done(null);
  }
}

describe('AgentModule at boot', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('refuses two agent types with the same name and version, saying which', async () => {
    await expect(
      startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), providers: [StepsAgent, ImpostorStepsAgent] }),
    ).rejects.toThrow(
      "@Agent() ImpostorStepsAgent: agent type 'steps' version '1' is registered twice; give each definition of a type its own version",
    );
  });

  it('refuses invalid options with the list of what to fix', async () => {
    await expect(
      startTestApp({
        transport: 'postgres',
        db,
        queuePrefix: uniquePrefix(),
        options: { transport: 'kafka' as never, defaults: { chunkSize: -1 } },
      }),
    ).rejects.toThrow(/transport must be 'redis' or 'postgres' \(got "kafka"\)\n {2}- defaults.chunkSize must be a positive integer/);
  });

  it.each(['redis', 'postgres'] as const)('lets an API-only process enqueue and a worker process run (%s)', async (transport) => {
    const queuePrefix = uniquePrefix();
    const api = await startTestApp({ transport, db, queuePrefix, providers: [StepsAgent], options: { workers: { enabled: false } } });
    const worker = await startTestApp({ transport, db, queuePrefix, providers: [StepsAgent] });
    const stepsSeenByApi: number[] = [];
    const stepsSeenByWorker: number[] = [];
    api.events.subscribe((e) => e.name === 'execution.step_completed' && stepsSeenByApi.push(e.stepNumber));
    worker.events.subscribe((e) => e.name === 'execution.step_completed' && stepsSeenByWorker.push(e.stepNumber));
    try {
      const execution = await api.manager.start(principal(), 'steps', { steps: 2 });
      const row = await waitForStatus(worker, db, execution.id, ['completed', 'failed']);
      expect(row).toMatchObject({ status: 'completed', step_count: 2 });
      // Events are in-process: every step ran in the worker process, none in the API-only one.
      expect(stepsSeenByWorker).toEqual([1, 2]);
      expect(stepsSeenByApi).toEqual([]);
    } finally {
      await api.close();
      await worker.close();
    }
  });
});
