import { Validator } from '@seriousme/openapi-schema-validator';
import { Controller, Get, Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { AgentModule, type AgentModuleOptions, type Principal } from '../../src/agent/index.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { responseChecker } from '../support/openapi-responses.js';
import { waitForStatus } from '../support/test-app.js';
import type { AddressInfo } from 'node:net';

type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
};

/** Nest's own list of the routes it mapped ("Mapped {/api/agents/:id, GET} route"), read from its log. */
class MappedRoutes implements LoggerService {
  readonly routes: string[] = [];
  log(message: unknown, context?: string): void {
    const mapped = context === 'RouterExplorer' && /^Mapped \{(.+), (\w+)\} route/.exec(String(message));
    if (mapped) this.routes.push(`${mapped[2]} ${mapped[1]}`);
  }
  error(): void {}
  warn(): void {}
}

/** `/api/agents/:id` → `/api/agents/{id}`, as OpenAPI writes a path. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe.each(HTTP_PLATFORMS)('the OpenAPI document of the example app (%s)', (platform) => {
  let db: TestDatabase;
  let node: ExampleApp;
  const mapped = new MappedRoutes();
  let document: OpenApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres', { AGENTS_WORKERS: 'off', AGENTS_DASHBOARD: 'on' });
    node = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env, [], platform, mapped);
    const res = await request(node.app.getHttpServer()).get('/api/docs-json').expect(200);
    document = res.body as OpenApi;
  });

  afterAll(async () => {
    await node?.close();
    await db?.drop();
  });

  it('is served at /api/docs-json and validates against the OpenAPI specification', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('shows the document in Swagger UI at /api/docs, every operation listed', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const port = (node.app.getHttpServer().address() as AddressInfo).port;
      expect((await page.goto(`http://127.0.0.1:${port}/api/docs`))?.status()).toBe(200);
      await page.waitForSelector('.opblock', { timeout: 15_000 });
      const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
      expect(await page.locator('.opblock').count()).toBe(operations);
      expect(await page.locator('.info .title').innerText()).toContain('nestjs-agents');
      expect(errors).toEqual([]);
      await screenshot(page, 'openapi', `swagger-ui-${platform}`);
    } finally {
      await browser.close();
    }
  });

  it("carries each agent type's input schema, and the start body chooses among them by agent_type", () => {
    const schemas = document.components.schemas as Record<string, Record<string, unknown>>;
    expect(schemas['AgentInput_code-assistant']).toMatchObject({
      type: 'object',
      required: ['prompt'],
      properties: { prompt: { type: 'string', minLength: 1, maxLength: 10_000 } },
    });
    expect(schemas['StartExecution_code-assistant']).toMatchObject({
      allOf: [
        { $ref: '#/components/schemas/StartExecutionDto' },
        {
          properties: {
            agent_type: { enum: ['code-assistant'] },
            input: { $ref: '#/components/schemas/AgentInput_code-assistant' },
          },
        },
      ],
    });
    // A type with no input schema takes any JSON: its start keeps the base's `input`.
    expect(JSON.stringify(schemas['StartExecution_steps'])).not.toContain('AgentInput_');

    const start = document.paths['/api/agents']!.post as unknown as {
      description: string;
      requestBody: { content: Record<string, { schema: { oneOf: unknown[]; discriminator: { propertyName: string; mapping: object } } }> };
    };
    const body = start.requestBody.content['application/json']!.schema;
    expect(body.discriminator.propertyName).toBe('agent_type');
    expect(body.discriminator.mapping).toMatchObject({
      'code-assistant': '#/components/schemas/StartExecution_code-assistant',
      steps: '#/components/schemas/StartExecution_steps',
    });
    expect(body.oneOf).toContainEqual({ $ref: '#/components/schemas/StartExecution_code-assistant' });
    expect(start.description).toContain('`code-assistant`: `input` as `AgentInput_code-assistant`');
  });

  it('describes the chat routes as the AI SDK UI message stream, and each operation with a summary', () => {
    type Operation = {
      summary?: string;
      responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, { schema: { enum?: string[] } }> }>;
    };
    const operation = (path: string, method: string) => document.paths[path]![method] as unknown as Operation;
    for (const [path, method] of [
      ['/api/conversations/{id}/chat', 'post'],
      ['/api/conversations/{id}/chat/stream', 'get'],
    ] as const) {
      const ok = operation(path, method).responses['200']!;
      expect(Object.keys(ok.content ?? {})).toEqual(['text/event-stream']);
      expect(ok.headers?.['x-vercel-ai-ui-message-stream']?.schema.enum).toEqual(['v1']);
      expect(Object.keys(operation(path, method).responses).filter((s) => s.startsWith('2'))).not.toContain('201');
    }
    expect(operation('/api/conversations/{id}/chat/stream', 'get').responses['204']).toBeDefined();
    const chatBody = (document.components.schemas.ChatRequestDto as { required: string[] }).required;
    expect(chatBody).toEqual(['messages']);
    expect(operation('/api/schedules', 'post').responses['201']!.content).toBeDefined();

    const unsummarised = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => !(op as unknown as Operation).summary)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(unsummarised).toEqual([]);
  });

  it('describes every route Nest mapped for the library, with its method', () => {
    // Left out: the document's own page and file routes, and bull-board's app under the dashboard.
    const library = mapped.routes.filter((r) => !/ \/api\/docs|\/agents-dashboard\/queues/.test(r));
    expect(library.length).toBeGreaterThan(30);
    const missing = library.filter((r) => {
      const [method, path] = r.split(' ') as [string, string];
      return !document.paths[openApiPath(path)]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });
});

describe('real answers of the example app against the document', () => {
  let db: TestDatabase;
  let node: ExampleApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres');
    node = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env);
  });

  afterAll(async () => {
    await node?.close();
    await db?.drop();
  });

  it('match the documented response of their route and status, with no undocumented field', async () => {
    const http = request(node.app.getHttpServer());
    const document = (await http.get('/api/docs-json').expect(200)).body;
    const { check, mismatches } = responseChecker(document);
    const user = `Bearer ${node.token({})}`;
    const admin = `Bearer ${node.token({ userId: 'boss', admin: true })}`;
    const call = async (
      method: 'get' | 'post' | 'put' | 'patch' | 'delete',
      path: string,
      template: string,
      auth: string | null,
      body?: object,
    ) => {
      const req = http[method](path);
      if (auth) req.set('authorization', auth);
      const res = await (body ? req.send(body) : req);
      check(method, template, res.status, res.body);
      return res;
    };

    const started = await call('post', '/api/agents', '/api/agents', user, {
      agent_type: 'steps',
      input: { steps: 2, tokens_per_step: 5 },
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    await waitForStatus(node, db, id, ['completed']);
    await call('get', `/api/agents/${id}`, '/api/agents/{id}', user);
    await call('get', '/api/agents?limit=5', '/api/agents', user);
    await call('get', `/api/agents/${id}/logs`, '/api/agents/{id}/logs', user);
    await call('get', `/api/agents/${id}/transcript`, '/api/agents/{id}/transcript', user);
    await call('get', '/api/agents/limits', '/api/agents/limits', user);
    expect((await call('get', '/api/agents/types', '/api/agents/types', user)).body.data.length).toBeGreaterThan(1);
    const fork = await call('post', `/api/agents/${id}/fork`, '/api/agents/{id}/fork', user, { step: 1 });
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({ forked_from_execution_id: id, forked_from_step: 1 });
    expect((await call('post', `/api/agents/${id}/fork`, '/api/agents/{id}/fork', user, { step: 99 })).status).toBe(400);
    const adminFork = await call('post', `/api/admin/agents/${id}/fork`, '/api/admin/agents/{id}/fork', admin, { step: 0 });
    expect(adminFork.status).toBe(201);
    await call('get', '/api/agents/realtime-token', '/api/agents/realtime-token', user);
    expect((await call('post', `/api/agents/${id}/pause`, '/api/agents/{id}/pause', user, {})).status).toBe(409);
    expect((await call('get', '/api/agents/nope', '/api/agents/{id}', user)).status).toBe(400);
    expect((await call('get', '/api/agents/0190a0a0-0000-7000-8000-000000000000', '/api/agents/{id}', user)).status).toBe(404);
    expect((await call('get', '/api/agents', '/api/agents', null)).status).toBe(401);
    expect((await call('post', '/api/agents', '/api/agents', user, { agent_type: 'nope', input: 1 })).status).toBe(400);
    const batch = await call('post', '/api/agents/batch', '/api/agents/batch', user, {
      items: [
        { agent_type: 'steps', input: { steps: 1 }, options: { idempotency_key: 'openapi-batch' } },
        { agent_type: 'steps', input: { steps: 2 }, options: { idempotency_key: 'openapi-batch' } },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results[1].error).toMatchObject({ statusCode: 409 });
    const badBatch = await call('post', '/api/agents/batch', '/api/agents/batch', user, { items: [{ agent_type: 'nope', input: 1 }] });
    expect(badBatch.status).toBe(400);
    const keyed = await call('post', '/api/agents', '/api/agents', user, {
      agent_type: 'steps',
      input: { steps: 1 },
      options: { concurrency: { key: 'customer-1', limit: 1 } },
    });
    expect(keyed.status).toBe(201);
    await waitForStatus(node, db, keyed.body.id, ['completed']);

    const turn = await call('post', '/api/conversations', '/api/conversations', user, { agent_type: 'steps', message: 'hi' });
    expect(turn.status).toBe(201);
    await waitForStatus(node, db, turn.body.execution_id, ['completed']);
    // The turn is the conversation's active one until its end is settled, just after it completed.
    const settled = async () =>
      (await db.sql.query(`SELECT settle_pending FROM agent_executions WHERE id = $1`, [turn.body.execution_id])).rows[0].settle_pending;
    await expect.poll(settled, { timeout: 15_000 }).toBe(false);
    await call('get', `/api/conversations/${turn.body.conversation.id}`, '/api/conversations/{id}', user);
    await call('get', '/api/conversations', '/api/conversations', user);
    // The chat routes answer JSON when there is nothing to stream: a cancel, and the errors before a stream.
    const conversationId = turn.body.conversation.id as string;
    const cancelled = await call('post', `/api/conversations/${conversationId}/chat/cancel`, '/api/conversations/{id}/chat/cancel', user);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toEqual({ execution_id: null });
    const unknownConversation = '0190a0a0-0000-7000-8000-000000000000';
    const cancelUnknown = `/api/conversations/${unknownConversation}/chat/cancel`;
    expect((await call('post', cancelUnknown, '/api/conversations/{id}/chat/cancel', user)).status).toBe(404);
    expect((await call('post', '/api/conversations/nope/chat/cancel', '/api/conversations/{id}/chat/cancel', user)).status).toBe(400);
    const chat = '/api/conversations/{id}/chat';
    expect((await call('post', `/api/conversations/${conversationId}/chat`, chat, user, { messages: [] })).status).toBe(400);
    const ask = { messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] };
    expect((await call('post', `/api/conversations/${unknownConversation}/chat`, chat, user, ask)).status).toBe(404);
    expect(
      (await call('get', `/api/conversations/${unknownConversation}/chat/stream`, '/api/conversations/{id}/chat/stream', user)).status,
    ).toBe(404);
    expect((await call('get', '/api/agents/nope/stream', '/api/agents/{id}/stream', user)).status).toBe(400);
    const idle = await call('get', `/api/conversations/${conversationId}/chat/stream`, '/api/conversations/{id}/chat/stream', user);
    expect(idle.status).toBe(204);

    // Schedules: create, read, pause (twice: 409), resume, delete; the admin sees them too.
    const schedule = await call('post', '/api/schedules', '/api/schedules', user, {
      agent_type: 'steps',
      input: { steps: 1 },
      cron: '0 7 * * 1-5',
      time_zone: 'Europe/Paris',
      options: { metadata: { team: 'ops' }, hooks: [{ url: 'https://example.com/agent-hooks', events: ['execution.failed'] }] },
    });
    expect(schedule.status).toBe(201);
    const scheduleId = schedule.body.id as string;
    await call('get', '/api/schedules?limit=5', '/api/schedules', user);
    await call('get', `/api/schedules/${scheduleId}`, '/api/schedules/{id}', user);
    const changed = await call('patch', `/api/schedules/${scheduleId}`, '/api/schedules/{id}', user, {
      input: { steps: 2 },
      cron: '0 8 * * 1-5',
    });
    expect(changed.body).toMatchObject({ input: { steps: 2 }, cron: '0 8 * * 1-5', time_zone: 'Europe/Paris' });
    expect((await call('patch', `/api/schedules/${scheduleId}`, '/api/schedules/{id}', user, { cron: 'nope' })).status).toBe(400);
    const paused = await call('post', `/api/schedules/${scheduleId}/pause`, '/api/schedules/{id}/pause', user);
    expect(paused.body).toMatchObject({ status: 'paused', next_run_at: null });
    expect((await call('post', `/api/schedules/${scheduleId}/pause`, '/api/schedules/{id}/pause', user)).status).toBe(409);
    await call('post', `/api/schedules/${scheduleId}/resume`, '/api/schedules/{id}/resume', user);
    await call('get', '/api/admin/schedules?status=active', '/api/admin/schedules', admin);
    await call('get', `/api/admin/schedules/${scheduleId}`, '/api/admin/schedules/{id}', admin);
    await call('patch', `/api/admin/schedules/${scheduleId}`, '/api/admin/schedules/{id}', admin, {
      options: { metadata: { team: 'on-call' } },
    });
    await call('post', `/api/admin/schedules/${scheduleId}/pause`, '/api/admin/schedules/{id}/pause', admin);
    expect((await call('delete', `/api/schedules/${scheduleId}`, '/api/schedules/{id}', user)).status).toBe(204);
    expect((await call('get', `/api/schedules/${scheduleId}`, '/api/schedules/{id}', user)).status).toBe(404);
    expect((await call('post', '/api/schedules', '/api/schedules', user, { agent_type: 'steps', input: 1, cron: 'nope' })).status).toBe(
      400,
    );
    expect((await call('get', '/api/admin/schedules', '/api/admin/schedules', user)).status).toBe(403);

    // Outbound hooks: the example app has no signing secret, so the delivery is recorded failed after one attempt.
    const hooked = await call('post', '/api/agents', '/api/agents', user, {
      agent_type: 'steps',
      input: { steps: 1 },
      options: { hooks: [{ url: 'https://example.com/agent-hooks' }] },
    });
    expect(hooked.status).toBe(201);
    await waitForStatus(node, db, hooked.body.id, ['completed']);
    const deliveries = () => http.get(`/api/agents/${hooked.body.id}/hooks`).set('authorization', user);
    await expect.poll(async () => (await deliveries()).body.data?.[0]?.status, { timeout: 10_000 }).toBe('failed');
    const log = await call('get', `/api/agents/${hooked.body.id}/hooks`, '/api/agents/{id}/hooks', user);
    expect(log.body.data).toMatchObject([{ event: 'execution.completed', attempts: 1, attempt_log: [{ status_code: null }] }]);
    expect((await call('get', `/api/agents/${unknownConversation}/hooks`, '/api/agents/{id}/hooks', user)).status).toBe(404);
    const pipeline = await call('post', '/api/pipelines', '/api/pipelines', user, {
      stages: [{ name: 'count', agent_type: 'steps' }],
      input: { steps: 1 },
    });
    expect(pipeline.status).toBe(201);
    await call('get', `/api/pipelines/${pipeline.body.id}`, '/api/pipelines/{id}', user);
    await call('get', '/api/pipelines', '/api/pipelines', user);
    await call('get', '/api/usage', '/api/usage', user);
    await call('get', '/api/usage/budget', '/api/usage/budget', user);

    await call('get', '/api/admin/agents', '/api/admin/agents', admin);
    await call('get', `/api/admin/agents/${id}`, '/api/admin/agents/{id}', admin);
    await call('get', '/api/admin/agents/queues', '/api/admin/agents/queues', admin);
    await call('get', '/api/admin/conversations', '/api/admin/conversations', admin);
    await call('get', '/api/admin/pipelines', '/api/admin/pipelines', admin);
    // The dashboard's run routes: filters, timeline, retry, bulk cancel, conversation and pipeline detail.
    const filtered = '/api/admin/agents?status=completed,failed&metadata=%7B%7D&from=2020-01-01T00:00:00Z&id=' + id.slice(0, 8);
    expect((await call('get', filtered, '/api/admin/agents', admin)).body.data.map((e: { id: string }) => e.id)).toContain(id);
    await call('get', `/api/admin/agents/${id}/timeline`, '/api/admin/agents/{id}/timeline', admin);
    expect((await call('post', `/api/admin/agents/${id}/retry`, '/api/admin/agents/{id}/retry', admin)).status).toBe(409);
    const failing = await call('post', '/api/agents', '/api/agents', user, { agent_type: 'steps', input: { steps: 1, fail_at: 1 } });
    await waitForStatus(node, db, failing.body.id, ['failed']);
    const retried = await call('post', `/api/admin/agents/${failing.body.id}/retry`, '/api/admin/agents/{id}/retry', admin);
    expect(retried.status).toBe(201);
    const bulk = await call('post', '/api/admin/agents/cancel', '/api/admin/agents/cancel', admin, { ids: [id, unknownConversation] });
    expect(bulk.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['already_finished', 'not_found']);
    await call('get', `/api/admin/conversations/${conversationId}`, '/api/admin/conversations/{id}', admin);
    await call('get', `/api/admin/pipelines/${pipeline.body.id}`, '/api/admin/pipelines/{id}', admin);
    expect((await call('get', `/api/admin/pipelines/${unknownConversation}`, '/api/admin/pipelines/{id}', admin)).status).toBe(404);
    await call('get', '/api/usage', '/api/usage', admin);
    await call('put', '/api/admin/budgets', '/api/admin/budgets', admin, { user_id: 'u1', monthly_tokens: 1000 });
    expect((await call('get', '/api/admin/agents', '/api/admin/agents', user)).status).toBe(403);

    // Tool approvals: the code assistant's `run_tests` waits for a decision when asked to run the tests.
    const awaitingApproval = async () => {
      const res = await call('post', '/api/agents', '/api/agents', user, {
        agent_type: 'code-assistant',
        input: { prompt: 'Please run the tests' },
      });
      await waitForStatus(node, db, res.body.id, ['awaiting_input']);
      const parked = await call('get', `/api/agents/${res.body.id}`, '/api/agents/{id}', user);
      expect(parked.body.pending_approvals).toMatchObject([{ tool_name: 'run_tests' }]);
      return { id: parked.body.id as string, approvalId: parked.body.pending_approvals[0].approval_id as string };
    };
    const approvals = '/api/agents/{id}/approvals/{approvalId}';
    const approve = await awaitingApproval();
    const approved = await call('post', `/api/agents/${approve.id}/approvals/${approve.approvalId}`, approvals, user, {
      approved: true,
      reason: 'CI is green',
    });
    expect(approved.status).toBe(202);
    const again = await call('post', `/api/agents/${approve.id}/approvals/${approve.approvalId}`, approvals, user, { approved: false });
    expect(again.status).toBe(409);
    expect((await call('post', `/api/agents/${approve.id}/approvals/nope`, approvals, user, { approved: true })).status).toBe(404);
    expect((await call('post', `/api/agents/${approve.id}/approvals/a%20b`, approvals, user, { approved: true })).status).toBe(400);
    const deny = await awaitingApproval();
    const denied = await call(
      'post',
      `/api/admin/agents/${deny.id}/approvals/${deny.approvalId}`,
      '/api/admin/agents/{id}/approvals/{approvalId}',
      admin,
      { approved: false, reason: 'not now' },
    );
    expect(denied.status).toBe(202);
    await waitForStatus(node, db, approve.id, ['completed']);
    await waitForStatus(node, db, deny.id, ['completed']);
    const timeline = await call('get', `/api/admin/agents/${approve.id}/timeline`, '/api/admin/agents/{id}/timeline', admin);
    expect(timeline.body.steps.flatMap((s: { calls: { name: string }[] }) => s.calls.map((c) => c.name))).toContain('run_tests');

    expect(mismatches).toEqual([]);
  });
});

/** A host route of its own, documented in the host's own Swagger document. */
@Controller('host/ping')
class HostPingController {
  @Get()
  ping() {
    return { pong: true };
  }
}

describe.each(HTTP_PLATFORMS)('the OpenAPI document in a host with prefixes and a Swagger document of its own (%s)', (platform) => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];
  const principal: Principal = { tenantId: 't1', userId: 'u1', tier: 'test', roles: [] };

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await db?.drop();
  });

  /** A host app with a global prefix, AgentModule (API only) with `options`, and the host's own Swagger at `api/docs`. */
  async function startHost(options: Partial<AgentModuleOptions>): Promise<request.Agent> {
    @Module({ controllers: [HostPingController] })
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
          tiers: { test: { maxConcurrent: 10, perHour: 100 } },
          resolvePrincipal: () => principal,
          ...options,
        }),
      ],
    }).compile();
    const app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
        : moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    app.setGlobalPrefix('gp');
    // NOTE: the host's Swagger UI on Fastify needs @fastify/static, which this repo does not install: its JSON only.
    SwaggerModule.setup('host-docs', app, () => SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Host').build()), {
      ui: platform === 'express',
    });
    await app.init();
    if (platform === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
    return request.agent(app.getHttpServer());
  }

  it("serves the library's document at its moved path, under both prefixes, beside the host's own", async () => {
    const http = await startHost({ http: { prefix: 'v1' }, openapi: { path: 'reference', title: 'Acme agents' } });
    const res = await http.get('/gp/v1/reference-json').expect(200);
    const document = res.body as OpenApi & { info: { title: string } };
    expect(document.info.title).toBe('Acme agents');
    expect((await new Validator().validate(structuredClone(document))).valid).toBe(true);
    const paths = Object.keys(document.paths);
    expect(paths).toContain('/gp/v1/api/agents/{id}/stream');
    expect(paths).toContain('/gp/health');
    // The library's own, and only those: not the host's route, not the page that serves it.
    expect(paths.filter((p) => !p.startsWith('/gp/v1/') && !['/gp/health', '/gp/metrics'].includes(p))).toEqual([]);
    expect(paths.some((p) => p.includes('reference') || p.includes('host'))).toBe(false);
    await http.get('/gp/api/docs-json').expect(404);

    const page = await http.get('/gp/v1/reference').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('data-url="/gp/v1/reference-json"');
    expect((await http.get('/gp/v1/reference/swagger-ui-bundle.js').expect(200)).headers['content-type']).toMatch(/javascript/);
    expect((await http.get('/gp/v1/reference/swagger-ui.css').expect(200)).headers['content-type']).toMatch(/text\/css/);

    // The host's document, at its own path, has the host's route and the library's (with the same descriptions).
    const host = (await http.get('/host-docs-json').expect(200)).body as OpenApi & { info: { title: string } };
    expect(host.info.title).toBe('Host');
    expect(Object.keys(host.paths)).toEqual(expect.arrayContaining(['/gp/host/ping', '/gp/v1/api/agents']));
    expect(host.paths['/gp/v1/api/agents']!.post!.responses['429']).toBeDefined();
    expect(Object.keys(host.paths).some((p) => p.includes('reference'))).toBe(false);
  });

  it('serves nothing when switched off, and leaves unmounted route groups out', async () => {
    const off = await startHost({ openapi: { path: false } });
    await off.get('/gp/api/docs-json').expect(404);
    await off.get('/gp/api/docs').expect(404);

    const some = await startHost({ http: { routes: ['executions', 'openapi'] } });
    const document = (await some.get('/gp/api/docs-json').expect(200)).body as OpenApi;
    const paths = Object.keys(document.paths);
    expect(paths).toContain('/gp/api/agents');
    expect(paths.filter((p) => !p.startsWith('/gp/api/agents'))).toEqual([]);
  });
});
