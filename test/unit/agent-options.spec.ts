import { describe, expect, it } from 'vitest';
import { InvalidAgentOptionsError, resolveAgentOptions, type AgentModuleOptions } from '../../src/agent/agent.options.js';

const valid: AgentModuleOptions = {
  database: { url: 'postgres://localhost/db' },
  transport: 'postgres',
  resolvePrincipal: () => null,
};

describe('resolveAgentOptions', () => {
  it('fills every default in one place', () => {
    const resolved = resolveAgentOptions(valid);
    expect(resolved.workers).toEqual({
      enabled: true,
      concurrency: { 'agents-default': 10, 'agents-long': 5, 'agents-priority': 10 },
      eagerStart: false,
    });
    expect(resolved.defaults).toEqual({
      limits: { maxSteps: 100, maxTokens: 1_000_000, timeoutSeconds: 3600 },
      chunkSize: 25,
      queue: 'agents-default',
      retries: 3,
      retryBackoff: { initialMs: 1000, maxMs: 60_000 },
    });
    expect(resolved.database).toMatchObject({ poolSize: 10, runMigrations: true });
    expect(resolved.lease).toEqual({ timeoutMs: 30_000, heartbeatMs: 10_000 });
    expect(resolved.queuePrefix).toBe('agents');
  });

  it('keeps what the caller set', () => {
    const resolved = resolveAgentOptions({
      ...valid,
      workers: { enabled: false, concurrency: { 'agents-long': 2 }, eagerStart: true },
      defaults: { chunkSize: 7 },
    });
    expect(resolved.workers).toEqual({
      enabled: false,
      concurrency: { 'agents-default': 10, 'agents-long': 2, 'agents-priority': 10 },
      eagerStart: true,
    });
    expect(resolved.defaults.chunkSize).toBe(7);
    expect(resolved.commits).toEqual({ maxBatch: 256, inFlight: 2 });
  });

  it('lists every problem with what to fix', () => {
    let error: unknown;
    try {
      resolveAgentOptions({
        database: { url: 'mysql://x' },
        transport: 'redis',
        resolvePrincipal: undefined as never,
        workers: { concurrency: { 'agents-fast': 1 } as never, eagerStart: 'yes' as never },
        defaults: { chunkSize: 0 },
        commits: { maxBatch: 0, inFlight: 1.5 },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAgentOptionsError);
    const problems = (error as InvalidAgentOptionsError).problems;
    expect(problems).toEqual([
      'database.url must be a postgres:// connection string',
      "redis.url (redis://host:port) or redis.cluster.nodes is required with transport 'redis'",
      'resolvePrincipal must be a function (request) => Principal | null',
      "workers.concurrency: unknown queue 'agents-fast' (queues: agents-default, agents-long, agents-priority)",
      'workers.eagerStart must be a boolean',
      'defaults.chunkSize must be a positive integer',
      'commits.maxBatch must be a positive integer',
      'commits.inFlight must be a positive integer',
    ]);
    expect((error as Error).message).toContain('AgentModule options are invalid');
  });

  it('takes one Redis server or a Redis Cluster, and says what is wrong with either', () => {
    const redis = (option: unknown) => ({ ...valid, transport: 'redis' as const, redis: option as AgentModuleOptions['redis'] });
    const problems = (option: unknown) => {
      try {
        resolveAgentOptions(redis(option));
        return [];
      } catch (error) {
        return (error as InvalidAgentOptionsError).problems;
      }
    };
    expect(resolveAgentOptions(redis({ url: 'redis://localhost:6379' })).redis).toEqual({ url: 'redis://localhost:6379' });
    const nodes = ['redis://:secret@10.0.0.1:7000', 'redis://:secret@10.0.0.2:7000/0'];
    expect(resolveAgentOptions(redis({ cluster: { nodes } })).redis).toEqual({ cluster: { nodes } });

    expect(problems({ url: 'redis://a:1', cluster: { nodes: ['redis://b:2'] } })).toEqual([
      'redis takes url (one server) or cluster (a Redis Cluster), not both',
    ]);
    expect(problems({ cluster: { nodes: [] } })).toEqual([
      'redis.cluster.nodes must list the Redis Cluster nodes to start from (redis://host:port, at least one)',
    ]);
    expect(problems({ cluster: true })).toEqual([
      'redis.cluster.nodes must list the Redis Cluster nodes to start from (redis://host:port, at least one)',
    ]);
    expect(problems({ cluster: { nodes: ['10.0.0.1:7000', 'redis://:secret@10.0.0.2:7000/3', 42] } })).toEqual([
      'redis.cluster.nodes[0] must be a redis://host:port or rediss://host:port URL',
      'redis.cluster.nodes[1]: a Redis Cluster has database 0 only (drop the /db path)',
      'redis.cluster.nodes[2] must be a redis://host:port or rediss://host:port URL',
    ]);
    expect(problems({ cluster: { nodes: ['redis://:a@h1:1', 'redis://:b@h2:2'] } })).toEqual([
      'redis.cluster.nodes must share one scheme and one user and password (every node connection gets the same)',
    ]);
    expect(problems({ cluster: { nodes: ['redis://h1:1', 'rediss://h2:2'] } })).toEqual([
      'redis.cluster.nodes must share one scheme and one user and password (every node connection gets the same)',
    ]);
    // A password is never repeated in a problem.
    expect(problems({ cluster: { nodes: ['redis://:hunter2@h1:1/5'] } }).join(' ')).not.toContain('hunter2');
  });

  it('defaults and checks the options of conversations, pipelines, subagents and observability', () => {
    const resolved = resolveAgentOptions(valid);
    expect(resolved.conversations).toEqual({ whenBusy: 'reject' });
    expect(resolved.pipelines).toEqual({ maxStages: 20, maxParallel: 10 });
    expect(resolved.subagents).toEqual({ specs: [], model: null, maxDepth: 2, summaryMaxChars: 2000 });
    expect(resolved.observability).toEqual({ metricsPath: '/metrics', healthPath: '/health' });

    const model = {} as never;
    let error: unknown;
    try {
      resolveAgentOptions({
        ...valid,
        conversations: { whenBusy: 'drop' as never },
        pipelines: { maxStages: 0 },
        subagents: {
          maxDepth: 0,
          specs: [
            { name: 'x'.repeat(56), description: 'too long a name', systemPrompt: 'p', model },
            { name: 'lead', description: 'd', systemPrompt: 'p', model, subagents: ['ghost'] },
            { name: 'lead', description: '', systemPrompt: 'p' },
          ],
        },
        observability: { metricsPath: 'metrics' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAgentOptionsError);
    expect((error as InvalidAgentOptionsError).problems).toEqual([
      'conversations.whenBusy must be one of reject, enqueue',
      'pipelines.maxStages must be a positive integer',
      'subagents.specs[0].name must be 1–55 letters, digits, - or _',
      "subagents.specs[2].name 'lead' is given twice",
      'subagents.specs[2].description must be a non-empty string',
      'subagents.specs[2] has no model and subagents.model is not set',
      "subagents.specs[1].subagents names 'ghost', which is not a spec",
      'subagents.maxDepth must be a positive integer',
      "observability.metricsPath must be a path such as '/metrics', or false",
    ]);
  });

  it('defaults and checks where the routes go and which are mounted', () => {
    const resolved = resolveAgentOptions(valid);
    expect(resolved.http.prefix).toBe('');
    expect([...resolved.http.routes].sort()).toEqual([
      'admin',
      'conversations',
      'dashboard',
      'executions',
      'health',
      'metrics',
      'openapi',
      'pipelines',
      'realtime',
      'schedules',
      'usage',
      'webhooks',
    ]);
    expect(resolved.realtime).toMatchObject({ namespace: '/agents', cors: { origin: true } });
    expect(resolveAgentOptions({ ...valid, http: { prefix: '/v1/', routes: false } }).http).toEqual({ prefix: 'v1', routes: new Set() });
    expect([...resolveAgentOptions({ ...valid, http: { routes: ['executions', 'health'] } }).http.routes]).toEqual([
      'executions',
      'health',
    ]);

    let error: unknown;
    try {
      resolveAgentOptions({
        ...valid,
        http: { prefix: 'v 1', routes: ['executions', 'everything' as never] },
        realtime: { namespace: 'agents' },
      });
    } catch (e) {
      error = e;
    }
    expect((error as InvalidAgentOptionsError).problems).toEqual([
      "realtime.namespace must be a Socket.IO namespace such as '/agents'",
      "http.prefix must be a path such as 'v1' or 'ai/v1'",
      'http.routes must be true, false or a list of executions, conversations, pipelines, schedules, usage, admin, webhooks, realtime, metrics, health, dashboard, openapi',
    ]);
  });

  it('serves the OpenAPI document at api/docs unless moved or switched off', () => {
    expect(resolveAgentOptions(valid).openapi).toEqual({ path: 'api/docs', title: 'nestjs-agents', version: '1.0.0' });
    expect(resolveAgentOptions({ ...valid, openapi: { path: '/reference/', title: 'Acme agents', version: '2.1.0' } }).openapi).toEqual({
      path: 'reference',
      title: 'Acme agents',
      version: '2.1.0',
    });
    expect(resolveAgentOptions({ ...valid, openapi: { path: false } }).openapi.path).toBeNull();
    expect(() => resolveAgentOptions({ ...valid, openapi: { path: 'a b', title: '' } })).toThrow(
      /openapi.path must be a path such as 'api\/docs', or false[\s\S]*openapi.title must be a non-empty string/,
    );
  });

  it('switches features off through their own options (all on by default)', () => {
    expect(resolveAgentOptions(valid).features).toEqual({
      conversations: true,
      pipelines: true,
      subagents: true,
      webhooks: true,
      billingRoutes: true,
      schedules: true,
    });
    const spec = { name: 'helper', description: 'helps', systemPrompt: 'help', model: {} as never };
    const off = resolveAgentOptions({
      ...valid,
      conversations: { enabled: false },
      pipelines: { enabled: false },
      subagents: { enabled: false, specs: [spec] },
      webhooks: { enabled: false },
      billing: { routes: false },
      schedules: { enabled: false },
    });
    expect(off.features).toEqual({
      conversations: false,
      pipelines: false,
      subagents: false,
      webhooks: false,
      billingRoutes: false,
      schedules: false,
    });
    expect(off.subagents.specs).toEqual([]);
    expect(resolveAgentOptions({ ...valid, subagents: { specs: [spec] } }).subagents.specs).toEqual([spec]);

    let error: unknown;
    try {
      resolveAgentOptions({ ...valid, conversations: { enabled: 'no' as never }, billing: { routes: 0 as never } });
    } catch (e) {
      error = e;
    }
    expect((error as InvalidAgentOptionsError).problems).toEqual([
      'conversations.enabled must be a boolean',
      'billing.routes must be a boolean',
    ]);
  });
});
