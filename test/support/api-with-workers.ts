import type { Transport } from '../../src/agent/index.js';
import { exampleEnv, startExampleApp, type ExampleApp } from './example-app.js';
import { createTestDatabase, type ConnectionUse, type TestDatabase } from './test-database.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

/** An example-app API node in this process and worker processes of its own, on one test database: what the crash tests kill. */
export interface ApiWithWorkers {
  db: TestDatabase;
  api: ExampleApp;
  /** The environment every node shares (database, transport, queue prefix, and what the test added). */
  env: Record<string, string>;
  /** A new worker process, once it said it is ready; killed at `close()` if still running. */
  startWorker(): Promise<WorkerProcess>;
  close(): Promise<void>;
}

/**
 * `env` goes to every node; `apiEnv` to the API node only (e.g. `AGENTS_WORKERS: 'off'`, so the
 * executions run in the worker processes the test starts and kills).
 */
export async function startApiWithWorkers(
  transport: Transport,
  o: { env?: Record<string, string>; apiEnv?: Record<string, string>; connections?: ConnectionUse } = {},
): Promise<ApiWithWorkers> {
  const db = await createTestDatabase({ connections: o.connections });
  const env = exampleEnv(db, transport, o.env);
  const api = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX!, { ...env, ...o.apiEnv });
  const workers: WorkerProcess[] = [];
  return {
    db,
    api,
    env,
    async startWorker() {
      const worker = startWorkerProcess(env);
      workers.push(worker);
      await worker.ready;
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')));
      await api.close();
      await db.drop();
    },
  };
}
