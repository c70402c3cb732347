import { All, Controller, Get, Inject, Logger, OnModuleInit, Req, Res } from '@nestjs/common';
import {
  ApiExcludeEndpoint,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';
import { rawRequest, takeRawResponse } from '../http/raw-http.js';
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

/**
 * bull-board's URLs, up to its deepest (`queues/api/queues/:queue/:job/logs`, `queues/static/css/async/…`).
 * NOTE: Express (path-to-regexp) and Fastify (find-my-way) write a catch-all differently (`*rest`
 * against a trailing `*`); a path per depth, made of parameters, reads the same on both.
 */
const QUEUE_BOARD_PATHS = Array.from({ length: 9 }, (_, depth) =>
  ['queues', ...Array.from({ length: depth }, (_, i) => `:s${i}`)].join('/'),
);

const NOT_BUILT = 'The dashboard front end is not built: run `npm run build` (it writes dist/dashboard).';

/**
 * The dashboard at `dashboard.path` (its path is given at boot, when enabled): the static page
 * (`<path>/`), its assets (`<path>/assets/…`) and bull-board (`<path>/queues/`, behind the session
 * cookie, admins only). A controller, so the app's global guards apply; it writes Node's response
 * itself (files, bull-board's own app) and so answers alike on Express and Fastify.
 */
@ApiTags('dashboard')
@Controller()
export class DashboardPageController implements OnModuleInit {
  private readonly logger = new Logger(DashboardPageController.name);
  private assets: Map<string, DashboardAsset> | null = null;

  constructor(
    private readonly tokens: RealtimeTokenService,
    private readonly queueBoard: QueueBoard,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {}

  onModuleInit(): void {
    this.assets = loadDashboardAssets();
    if (!this.assets) this.logger.warn(NOT_BUILT);
  }

  /**
   * The page, at `<path>` (and `<path>/` where the platform routes it too: Express does, Fastify
   * with `ignoreTrailingSlash`). NOTE: its asset URLs are made absolute from where it was asked for,
   * so it works with or without the slash, under any prefix.
   */
  @Get()
  @ApiOperation({ summary: 'The admin dashboard page' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiServiceUnavailableResponse({ description: 'The front end is not built' })
  page(@Req() request: unknown, @Res() response: unknown): void {
    const req = rawRequest(request);
    const res = takeRawResponse(response);
    const page = this.assets?.get('index.html');
    if (!page) return void res.writeHead(503, { 'Content-Type': 'text/plain' }).end(NOT_BUILT);
    const base = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    send(req, res, { ...page, body: Buffer.from(page.body.toString('utf8').replaceAll('"./assets/', `"${base}/assets/`)) }, 'no-store');
  }

  // NOTE: Vite writes the assets flat under assets/: one parameter, on either platform.
  @Get('assets/:file')
  @ApiOperation({ summary: "The dashboard page's scripts, styles and images" })
  @ApiParam({ name: 'file' })
  @ApiOkResponse({ description: 'The file' })
  @ApiNotFoundResponse({ description: 'No such file' })
  asset(@Req() request: unknown, @Res() response: unknown): void {
    const req = rawRequest(request);
    const res = takeRawResponse(response);
    const path = (req.url ?? '').split('?')[0]!;
    const asset = this.assets?.get(path.slice(path.lastIndexOf('/assets/') + 1));
    if (!asset) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    send(req, res, asset, 'public, max-age=31536000, immutable');
  }

  /** bull-board is opened by navigation: the session cookie stands for the bearer header the browser cannot send. */
  // NOTE: bull-board's own app (its pages, files and API), not part of ours: left out of the OpenAPI document.
  @ApiExcludeEndpoint()
  @All(QUEUE_BOARD_PATHS)
  queues(@Req() request: unknown, @Res() response: unknown): void {
    const req = rawRequest(request);
    const res = takeRawResponse(response);
    const principal = this.tokens.verify(readSessionCookie(req.headers.cookie));
    if (!principal) return refuse(res, 401, `Sign in on the dashboard (${this.options.dashboard.path}/) and open the queues from there.`);
    if (!isAdmin(principal)) return refuse(res, 403, 'Admin role required');
    this.queueBoard.handle(req, res, this.options.dashboard.path);
  }
}

function send(req: IncomingMessage, res: ServerResponse, asset: DashboardAsset, cacheControl: string): void {
  const headers = { ...PAGE_HEADERS, 'Content-Type': asset.contentType, 'Cache-Control': cacheControl, ETag: asset.etag };
  if (req.headers['if-none-match'] === asset.etag) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, 'Content-Length': asset.body.length }).end(asset.body);
}

function refuse(res: ServerResponse, statusCode: 401 | 403, message: string): void {
  const error = statusCode === 401 ? 'Unauthorized' : 'Forbidden';
  res
    .writeHead(statusCode, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    .end(JSON.stringify({ statusCode, error, message }));
}
