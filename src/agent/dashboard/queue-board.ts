import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Injectable } from '@nestjs/common';
import type { Router } from 'express';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../infrastructure/queue-names.js';

/**
 * bull-board over the execution queues, read-only: the queues are shared by every tenant, so no
 * tenant's admin may retry, remove or pause jobs there (the dashboard's buttons act on executions,
 * through the guarded API). Jobs carry execution ids only, never tenant data.
 */
@Injectable()
export class QueueBoard {
  private router: Router | null = null;

  constructor(private readonly queues: ExecutionQueue) {}

  /** Built at the first request, so a node whose dashboard nobody opens holds no extra queue connection. */
  routerFor(basePath: string): Router {
    if (this.router) return this.router;
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(basePath);
    createBullBoard({
      queues: ALL_QUEUES.map((name) => new BullMQAdapter(this.queues.queue(name), { readOnlyMode: true })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Agent queues' } },
    });
    this.router = serverAdapter.getRouter() as Router;
    return this.router;
  }
}
