import { Injectable } from '@nestjs/common';
import { BullModule, InjectQueue, Processor, WorkerHost, getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, type Transport } from '../../src/agent/index.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { redisUrl } from '../support/test-env.js';

const HOST_QUEUE = 'host-mail';
const handled: string[] = [];

/** The host's own worker, on the host's own BullModule configuration. */
@Processor(HOST_QUEUE)
class HostMailProcessor extends WorkerHost {
  async process(job: Job<{ to: string }>): Promise<string> {
    handled.push(job.data.to);
    return `sent to ${job.data.to}`;
  }
}

/** A host service holding its own queue and the library's. */
@Injectable()
class HostQueues {
  constructor(
    @InjectQueue(HOST_QUEUE) readonly mail: Queue,
    @InjectQueue(QueueName.Default) readonly agents: Queue,
  ) {}
}

describe.each<Transport>(['redis', 'postgres'])('the library’s queues beside a host’s own BullModule, on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  const hostPrefix = uniquePrefix();
  const agentsPrefix = uniquePrefix();

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = new URL(redisUrl());
    t = await startTestApp({
      transport,
      db,
      queuePrefix: agentsPrefix,
      imports: [
        BullModule.forRoot({ connection: { host: redis.hostname, port: Number(redis.port || 6379) }, prefix: hostPrefix }),
        BullModule.registerQueue({ name: HOST_QUEUE }),
      ],
      providers: [StepsAgent, HostMailProcessor, HostQueues],
      options: { workers: { concurrency: { 'agents-default': 7 } } },
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('leaves the host’s queue on the host’s configuration, and its worker runs', async () => {
    const { mail } = t.app.get(HostQueues);
    expect(mail.opts.prefix).toBe(hostPrefix);
    await mail.add('send', { to: `ada-${transport}` });
    await expect.poll(() => handled, { timeout: 10_000 }).toContain(`ada-${transport}`);
  });

  it('gives the host’s @InjectQueue the very queue the library enqueues on, and runs executions with the configured concurrency', async () => {
    const { agents } = t.app.get(HostQueues);
    expect(agents).toBe(t.app.get(ExecutionQueue).queue(QueueName.Default));
    expect(agents).toBe(t.app.get(getQueueToken(QueueName.Default)));
    const { id } = await t.manager.start(principal(), 'steps', { steps: 2 });
    expect(await waitForStatus(t, db, id, ['completed'])).toMatchObject({ status: 'completed', step_count: 2 });

    const processor = t.app.get<{ worker: { concurrency: number; opts: { prefix?: string } } } | null>(
      `nestjs-agents:processor:${QueueName.Default}`,
    );
    if (transport === 'redis') {
      // A @Processor whose worker @nestjs/bullmq made, on the library's prefix, not the host's.
      expect(processor!.worker.concurrency).toBe(7);
      expect(processor!.worker.opts.prefix).toBe(agentsPrefix);
      expect(agents.opts.prefix).toBe(agentsPrefix);
    } else {
      // PostgreSQL: the library makes these workers itself (see ARCHITECTURE.md).
      expect(processor).toBeNull();
    }
  });
});
