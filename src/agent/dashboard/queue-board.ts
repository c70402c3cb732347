import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../infrastructure/queue-names.js';
import { LocalBoardAdapter } from './local-board-adapter.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * bull-board over the execution queues, read-only: the queues are shared by every tenant, so no
 * tenant's admin may retry, remove or pause jobs there (the dashboard's buttons act on executions,
 * through the guarded API). Jobs carry execution ids only, never tenant data.
 * Its page loads nothing from other hosts (`LocalBoardAdapter`).
 * NOTE: bull-board's Express app runs on Node's request and response, under Express or Fastify alike.
 */
@Injectable()
export class QueueBoard {
  private app: NodeHandler | null = null;

  constructor(private readonly queues: ExecutionQueue) {}

  /** Answers a request under `<dashboard path>/queues`, whatever prefix the app puts before it. */
  handle(req: IncomingMessage, res: ServerResponse, dashboardPath: string): void {
    const url = req.url ?? '/';
    const marker = `${dashboardPath}/queues`;
    const base = url.slice(0, url.indexOf(marker) + marker.length);
    // bull-board's routes are relative to where it is mounted.
    req.url = url.slice(base.length) || '/';
    if (req.url.startsWith('?')) req.url = `/${req.url}`;
    this.appFor(base)(req, res, (error) => {
      if (!res.headersSent) res.writeHead(error ? 500 : 404, { 'Content-Type': 'text/plain' });
      res.end(error ? 'Internal server error' : 'Not found');
    });
  }

  /** Built at the first request, so a node whose dashboard nobody opens holds no extra queue connection. */
  private appFor(basePath: string): NodeHandler {
    if (this.app) return this.app;
    const serverAdapter = new LocalBoardAdapter();
    serverAdapter.setBasePath(basePath);
    createBullBoard({
      queues: ALL_QUEUES.map((name) => new BullMQAdapter(this.queues.queue(name), { readOnlyMode: true })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Agent queues' } },
    });
    this.app = serverAdapter.getRouter() as unknown as NodeHandler;
    return this.app;
  }
}
