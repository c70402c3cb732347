import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { isAdmin } from '../tenancy/principal.js';
import { RealtimeTokenService } from '../tenancy/realtime-token.service.js';
import { loadDashboardAssets, type DashboardAsset } from './dashboard-assets.js';
import { readSessionCookie } from './dashboard-cookie.js';
import { QueueBoard } from './queue-board.js';

/**
 * The page holds no data and runs no inline code: everything it shows comes from the admin API,
 * called with the bearer token the admin signs in with.
 */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const NOT_BUILT = 'The dashboard front end is not built: run `npm run build` (it writes dist/dashboard).';

/**
 * Mounts the dashboard at `dashboard.path` when enabled: the static page (`<path>/`), its assets
 * (`<path>/assets/…`) and bull-board (`<path>/queues/`, behind the session cookie, admins only).
 * Routes whose path is configuration cannot be controller decorators. Worker-only processes have
 * no HTTP server and serve nothing.
 */
@Injectable()
export class DashboardEndpoints implements OnModuleInit {
  private readonly logger = new Logger(DashboardEndpoints.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: RealtimeTokenService,
    private readonly queueBoard: QueueBoard,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
  ) {}

  onModuleInit(): void {
    const { enabled, path } = this.options.dashboard;
    const adapter = this.adapterHost.httpAdapter;
    if (!enabled || !adapter) return;
    if (adapter.getType() !== 'express') {
      this.logger.warn(`The dashboard needs the Express platform (this app runs on ${adapter.getType()}): not mounted`);
      return;
    }
    const app = adapter.getInstance<Express>();
    const assets = loadDashboardAssets();
    if (!assets) this.logger.warn(NOT_BUILT);

    const queuesPath = `${path}/queues`;
    app.use(queuesPath, (req: Request, res: Response, next: NextFunction) => this.admitToQueueBoard(req, res, next));
    app.use(queuesPath, (req: Request, res: Response, next: NextFunction) => this.queueBoard.routerFor(queuesPath)(req, res, next));

    app.get(`${path}/assets/*file`, (req: Request, res: Response) => {
      const asset = assets?.get(req.path.slice(path.length + 1));
      if (!asset) return void res.status(404).type('text/plain').send('Not found');
      send(req, res, asset, 'public, max-age=31536000, immutable');
    });
    // NOTE: Express matches `<path>` and `<path>/` alike; the page's asset URLs are relative, so it must end in '/'.
    app.get(path, (req: Request, res: Response) => {
      if (!req.path.endsWith('/')) return void res.redirect(301, `${path}/`);
      const page = assets?.get('index.html');
      if (!page) return void res.status(503).type('text/plain').send(NOT_BUILT);
      send(req, res, page, 'no-store');
    });
    this.logger.log(`Admin dashboard at ${path}/ (bull-board at ${queuesPath}/)`);
  }

  /** bull-board is opened by navigation: the session cookie stands for the bearer header the browser cannot send. */
  private admitToQueueBoard(req: Request, res: Response, next: NextFunction): void {
    const principal = this.tokens.verify(readSessionCookie(req.headers.cookie));
    if (!principal) return refuse(res, 401, `Sign in on the dashboard (${this.options.dashboard.path}/) and open the queues from there.`);
    if (!isAdmin(principal)) return refuse(res, 403, 'Admin role required');
    next();
  }
}

function send(req: Request, res: Response, asset: DashboardAsset, cacheControl: string): void {
  res.set({ ...PAGE_HEADERS, 'Content-Type': asset.contentType, 'Cache-Control': cacheControl, ETag: asset.etag });
  if (req.headers['if-none-match'] === asset.etag) return void res.status(304).end();
  res.status(200).send(asset.body);
}

function refuse(res: Response, statusCode: 401 | 403, message: string): void {
  const error = statusCode === 401 ? 'Unauthorized' : 'Forbidden';
  res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.status(statusCode).json({ statusCode, error, message });
}
