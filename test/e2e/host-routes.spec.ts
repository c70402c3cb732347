import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Headers,
  Injectable,
  Module,
  Param,
  Post,
  UseFilters,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_GUARD, RouterModule } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_ROLE,
  AgentError,
  AgentExceptionFilter,
  AgentManager,
  AgentModule,
  RouteCollisionError,
  step,
  toHttpException,
  type AgentDefinition,
  type AgentModuleOptions,
  type Principal,
} from '../../src/agent/index.js';
import { ExecutionSettlement } from '../../src/agent/executions/lifecycle/execution-settlement.js';
import { HTTP_PLATFORMS, type HttpPlatform } from '../support/example-app.js';
import { seedExecution } from '../support/execution-factory.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** The caller is named by a header: tenant t1, tier `tiny` (one start an hour) when asked. */
const principalOf = (request: unknown): Principal | null => {
  const headers = (request as { headers: Record<string, string | undefined> }).headers;
  return headers['x-user']
    ? { tenantId: 't1', userId: headers['x-user'], tier: headers['x-tier'] ?? 'test', roles: headers['x-admin'] ? [ADMIN_ROLE] : [] }
    : null;
};

const steps: AgentDefinition = { name: 'steps', step: async () => step.done('ok') };

/** A host's own controller on `AgentManager`, answering the library's errors with the library's filter. */
@Controller('host/runs')
@UseFilters(AgentExceptionFilter)
class HostRunsController {
  constructor(private readonly agents: AgentManager) {}

  /** As the user the `x-user` header names, on the `tiny` tier (one start an hour). */
  @Post()
  async start(@Headers('x-user') userId: string) {
    const execution = await this.agents.start({ tenantId: 't1', userId, tier: 'tiny', roles: [] }, 'steps', {});
    return { id: execution.id };
  }

  @Post(':id/pause')
  async pause(@Param('id') id: string) {
    return { status: (await this.agents.pause({ tenantId: 't1', userId: 'u1', tier: 'test', roles: [] }, id)).execution.status };
  }
}

/** A host route with a bug behind the library's filter. */
@Controller('host/faults')
@UseFilters(AgentExceptionFilter)
class HostFaultsController {
  @Get('bug')
  bug(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'x')");
  }
}

/** The same, mapping errors itself with `toHttpException` under Nest's default filter. */
@Controller('host/mapped')
class HostMappedController {
  constructor(private readonly agents: AgentManager) {}

  @Post(':id/pause')
  async pause(@Param('id') id: string) {
    try {
      return await this.agents.pause({ tenantId: 't1', userId: 'u1', tier: 'test', roles: [] }, id);
    } catch (error) {
      throw error instanceof AgentError ? toHttpException(error) : error;
    }
  }
}

/** A host's app-wide guard: operations routes need its key. */
@Injectable()
class OpsKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-ops-key'] === 'open-sesame';
  }
}

@Controller('health')
class HostHealthController {
  @Get()
  check() {
    return { status: 'mine' };
  }
}

@Controller('api/agents')
class HostAgentsController {
  @Get(':executionId')
  show() {
    return {};
  }
}

interface HostSetup {
  options?: Partial<AgentModuleOptions>;
  imports?: ModuleMetadata['imports'];
  controllers?: ModuleMetadata['controllers'];
  providers?: ModuleMetadata['providers'];
  platform?: HttpPlatform;
  globalPrefix?: string;
}

describe('the routes a host app controls', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  // Each app holds its own pools: closed after each test, or the database runs out of connections.
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close().catch(() => undefined);
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** A host app importing AgentModule (API only) beside its own modules, controllers and providers; not yet initialised. */
  async function createHost(setup: HostSetup = {}): Promise<INestApplication> {
    @Module({ controllers: setup.controllers ?? [], providers: setup.providers ?? [] })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        HostModule,
        AgentModule.forRoot({
          database: { url: db.url, poolSize: 4 },
          transport: 'postgres',
          queuePrefix: uniquePrefix(),
          workers: { enabled: false },
          maintenance: { enabled: false },
          agents: [steps],
          tiers: { test: { maxConcurrent: 1_000_000, perHour: 1_000_000 }, tiny: { maxConcurrent: 10, perHour: 1 } },
          resolvePrincipal: principalOf,
          ...setup.options,
        }),
        ...(setup.imports ?? []),
      ],
    }).compile();
    const app =
      setup.platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
        : moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    if (setup.globalPrefix) app.setGlobalPrefix(setup.globalPrefix);
    return app;
  }

  async function startHost(setup: HostSetup = {}) {
    const app = await createHost(setup);
    await app.init();
    if (setup.platform === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
    return request(app.getHttpServer());
  }

  const asUser = (req: request.Test) => req.set('x-user', 'u1');

  describe.each(HTTP_PLATFORMS)('on %s', (platform) => {
    it('moves the REST API under http.prefix and the global prefix; health and metrics keep their own paths under the global prefix', async () => {
      const http = await startHost({ platform, options: { http: { prefix: 'v1' } }, globalPrefix: 'ext' });
      expect((await asUser(http.get('/ext/v1/api/agents'))).status).toBe(200);
      expect((await asUser(http.get('/api/agents'))).status).toBe(404);
      expect((await asUser(http.get('/v1/api/agents'))).status).toBe(404);
      expect((await http.get('/ext/health')).status).toBe(200);
      const metrics = await http.get('/ext/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('agent_executions_total');
    });

    it('mounts nothing with http.routes: false, while AgentManager still works from the host’s controller', async () => {
      const http = await startHost({ platform, options: { http: { routes: false } }, controllers: [HostRunsController] });
      for (const path of ['/api/agents', '/api/conversations', '/api/admin/agents', '/health', '/metrics']) {
        expect((await asUser(http.get(path))).status, path).toBe(404);
      }
      expect((await http.post('/webhooks/agent-trigger').send({})).status).toBe(404);
      const started = await http.post('/host/runs').set('x-user', `none-${platform}`);
      expect(started.status).toBe(201);
    });

    it('mounts only the route groups listed', async () => {
      const http = await startHost({ platform, options: { http: { routes: ['executions', 'metrics'] } } });
      expect((await asUser(http.get('/api/agents'))).status).toBe(200);
      expect((await http.get('/metrics')).status).toBe(200);
      expect((await asUser(http.get('/api/conversations'))).status).toBe(404);
      expect((await asUser(http.get('/api/usage'))).status).toBe(404);
      expect((await http.get('/health')).status).toBe(404);
    });

    it('leaves out the features switched off: their routes (user and admin) and their settlement handlers', async () => {
      const asAdmin = (req: request.Test) => req.set('x-user', 'root').set('x-admin', '1');
      const featureRoutes = (http: ReturnType<typeof request>): [string, request.Test][] => [
        ['GET /api/conversations', asUser(http.get('/api/conversations'))],
        ['GET /api/pipelines', asUser(http.get('/api/pipelines'))],
        ['GET /api/usage', asUser(http.get('/api/usage'))],
        ['GET /api/admin/conversations', asAdmin(http.get('/api/admin/conversations'))],
        ['GET /api/admin/pipelines', asAdmin(http.get('/api/admin/pipelines'))],
        ['PUT /api/admin/budgets', asAdmin(http.put('/api/admin/budgets').send({ monthly_tokens: 1000 }))],
        ['POST /webhooks/agent-trigger', http.post('/webhooks/agent-trigger').send({})],
      ];
      const boot = async (options: HostSetup['options']) => {
        const app = await createHost({ platform, options });
        await app.init();
        if (platform === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
        const handlers = app
          .get(ExecutionSettlement)
          ['handlers'].map((handler) => handler.name)
          .sort();
        return { http: request(app.getHttpServer()), handlers };
      };

      const on = await boot({});
      for (const [route, answer] of featureRoutes(on.http)) expect((await answer).status, route).not.toBe(404);
      expect(on.handlers).toEqual(['concurrency-keys', 'conversations', 'pipeline-advance', 'subagents']);

      const off = await boot({
        conversations: { enabled: false },
        pipelines: { enabled: false },
        subagents: { enabled: false },
        webhooks: { enabled: false },
        billing: { routes: false },
      });
      for (const [route, answer] of featureRoutes(off.http)) expect((await answer).status, route).toBe(404);
      expect((await asUser(off.http.get('/api/agents'))).status).toBe(200);
      expect((await asAdmin(off.http.get('/api/admin/agents'))).status).toBe(200);
      // Concurrency keys are the kernel's own: no feature switch turns them off.
      expect(off.handlers).toEqual(['concurrency-keys']);
    });

    it('lets the host’s global guard protect /metrics and /health', async () => {
      const http = await startHost({ platform, providers: [{ provide: APP_GUARD, useClass: OpsKeyGuard }] });
      expect((await http.get('/metrics')).status).toBe(403);
      expect((await http.get('/health')).status).toBe(403);
      expect((await http.get('/metrics').set('x-ops-key', 'open-sesame')).status).toBe(200);
      const health = await http.get('/health').set('x-ops-key', 'open-sesame');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });

    it('serves the dashboard page, its assets and bull-board (behind the session cookie)', async () => {
      const http = await startHost({ platform, options: { dashboard: { enabled: true } } });
      const page = await http.get('/agents-dashboard');
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      const script = /src="(\/agents-dashboard\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
      expect(script).toBeDefined();
      const asset = await http.get(script!);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toContain('javascript');
      expect((await http.get('/agents-dashboard/assets/nope.js')).status).toBe(404);

      expect((await http.get('/agents-dashboard/queues')).status).toBe(401);
      const session = await http.post('/api/admin/dashboard/session').set('x-user', 'root').set('x-admin', '1');
      expect(session.status).toBe(200);
      const cookie = String(session.headers['set-cookie']).split(';')[0]!;
      expect(session.body.queues_url).toBe('/agents-dashboard/queues');
      const board = await http.get(session.body.queues_url).set('cookie', cookie);
      expect(board.status).toBe(200);
      expect(board.text).toContain('Agent queues');
      const queues = await http.get('/agents-dashboard/queues/api/queues').set('cookie', cookie);
      expect(queues.status).toBe(200);
      expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['agents-default', 'agents-long', 'agents-priority']);
    });

    it('answers a host controller calling AgentManager with the library’s 404, 409 and 429 (with Retry-After)', async () => {
      const http = await startHost({ platform, controllers: [HostRunsController, HostMappedController] });
      const missing = '0190a000-0000-7000-8000-000000000000';
      const notFound = await http.post(`/host/runs/${missing}/pause`);
      expect(notFound.status).toBe(404);
      expect(notFound.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `Execution ${missing} not found`,
        details: { code: 'execution_not_found' },
      });

      const done = await seedExecution(db, { status: 'completed', tenantId: 't1', userId: 'u1' });
      const conflict = await http.post(`/host/runs/${done}/pause`);
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        details: { code: 'invalid_transition', current_status: 'completed' },
      });

      const user = `limited-${platform}`;
      expect((await http.post('/host/runs').set('x-user', user)).status).toBe(201);
      const limited = await http.post('/host/runs').set('x-user', user);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        details: { code: 'rate_limited' },
        limits: { hourly: { limit: 1 } },
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

      // A value PostgreSQL cannot read as the column's type is the caller's mistake, not the server's.
      const badId = await http.post('/host/runs/not-a-uuid/pause');
      expect(badId.status).toBe(400);
      expect(badId.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringMatching(/cannot be stored: invalid input syntax for type uuid/),
      });

      // toHttpException under Nest's own filter: the same status and body.
      const mapped = await http.post(`/host/mapped/${missing}/pause`);
      expect(mapped.status).toBe(404);
      expect(mapped.body).toEqual(notFound.body);
    });
  });

  it('answers a genuine 500 with an error id, and logs the error under the same id', async () => {
    const app = await createHost({ controllers: [HostFaultsController] });
    const logged: string[] = [];
    const record = (message: unknown) => void logged.push(String(message));
    app.useLogger({
      log: () => undefined,
      warn: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
      error: record,
      fatal: record,
    });
    await app.init();
    const res = await request(app.getHttpServer()).get('/host/faults/bug');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      details: { error_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    const line = logged.find((m) => m.includes(res.body.details.error_id));
    expect(line).toMatch(/TypeError: Cannot read properties of undefined/);
  });

  it('moves the REST API with RouterModule, and leaves health and metrics where they are', async () => {
    const http = await startHost({ imports: [RouterModule.register([{ path: 'ai', module: AgentModule }])] });
    expect((await asUser(http.get('/ai/api/agents'))).status).toBe(200);
    expect((await asUser(http.get('/api/agents'))).status).toBe(404);
    expect((await http.get('/health')).status).toBe(200);
    expect((await http.get('/metrics')).status).toBe(200);
  });

  it('fails the boot when a host route answers the same request as a library route, saying how to fix it', async () => {
    const app = await createHost({ controllers: [HostHealthController, HostAgentsController] });
    const boot = app.init();
    await expect(boot).rejects.toThrow(RouteCollisionError);
    await expect(boot).rejects.toThrow(/GET \/health: the library's HealthController and the app's HostHealthController/);
    await expect(boot).rejects.toThrow(/GET \/api\/agents\/:id: the library's ExecutionsController and the app's HostAgentsController/);
    await expect(boot).rejects.toThrow(/observability.metricsPath \/ healthPath/);
    // Moved out of the way, both serve.
    const http = await startHost({ controllers: [HostHealthController], options: { observability: { healthPath: '/agents-health' } } });
    expect((await http.get('/health')).body).toEqual({ status: 'mine' });
    expect((await http.get('/agents-health')).status).toBe(200);
  });

  it('leaves /metrics to the host’s own PrometheusModule, which then serves the library’s metrics too', async () => {
    const http = await startHost({ imports: [PrometheusModule.register({ defaultMetrics: { enabled: false } })] });
    const metrics = await http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('agent_executions_total');
  });
});
