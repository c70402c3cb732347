import { describe, expect, it } from 'vitest';
import { InvalidEnvironmentError, readHostConfig } from '../../src/host/host-config.js';

describe("the example app's environment", () => {
  it('defaults to text logs and takes LOG_FORMAT=json', () => {
    expect(readHostConfig({}).logFormat).toBe('text');
    expect(readHostConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });

  it('takes a worker concurrency for every queue, or leaves the defaults', () => {
    expect(readHostConfig({}).workerConcurrency).toBeNull();
    expect(readHostConfig({ AGENTS_WORKER_CONCURRENCY: '50' }).workerConcurrency).toBe(50);
    expect(() => readHostConfig({ AGENTS_WORKER_CONCURRENCY: '0' })).toThrow(/AGENTS_WORKER_CONCURRENCY must be an integer from 1 to 1000/);
    expect(() => readHostConfig({ AGENTS_WORKER_CONCURRENCY: 'many' })).toThrow(InvalidEnvironmentError);
  });

  it('starts eagerly only with AGENTS_EAGER_START=on', () => {
    expect(readHostConfig({}).eagerStart).toBe(false);
    expect(readHostConfig({ AGENTS_EAGER_START: 'on' }).eagerStart).toBe(true);
    expect(() => readHostConfig({ AGENTS_EAGER_START: 'yes' })).toThrow(/AGENTS_EAGER_START must be 'on' or 'off'/);
  });

  it('applies migrations at boot unless AGENTS_MIGRATIONS=off', () => {
    expect(readHostConfig({}).migrations).toBe(true);
    expect(readHostConfig({ AGENTS_MIGRATIONS: 'off' }).migrations).toBe(false);
    expect(() => readHostConfig({ AGENTS_MIGRATIONS: 'maybe' })).toThrow(/AGENTS_MIGRATIONS must be 'on' or 'off'/);
  });

  it('takes a Redis Cluster from REDIS_CLUSTER_NODES (host:port or redis:// entries), which picks the redis transport', () => {
    const config = readHostConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, rediss://:pw@10.0.0.2:7001,' });
    expect(config).toMatchObject({
      transport: 'redis',
      redisUrl: null,
      redisClusterNodes: ['redis://10.0.0.1:7000', 'rediss://:pw@10.0.0.2:7001'],
    });
    expect(readHostConfig({ REDIS_URL: 'redis://r:6379' }).redisClusterNodes).toBeNull();
    expect(() => readHostConfig({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'a:1' })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES: set one/,
    );
    expect(() => readHostConfig({ REDIS_CLUSTER_NODES: 'a b:1' })).toThrow(/REDIS_CLUSTER_NODES must be host:port/);
    expect(() => readHostConfig({ AGENTS_TRANSPORT: 'redis' })).toThrow(/AGENTS_TRANSPORT=redis needs REDIS_URL or REDIS_CLUSTER_NODES/);
  });

  it('refuses an unknown log format, naming the variable', () => {
    expect(() => readHostConfig({ LOG_FORMAT: 'xml' })).toThrow(InvalidEnvironmentError);
    expect(() => readHostConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be 'text' or 'json'/);
  });
});

describe('LLM_PROVIDER at boot', () => {
  const problemsOf = (env: NodeJS.ProcessEnv) => {
    try {
      readHostConfig(env);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('keeps the scripted model offline, and LLM_BASE_URL alone as an OpenAI-compatible server', () => {
    expect(readHostConfig({}).llm).toEqual({ provider: 'scripted', baseUrl: null, apiKey: undefined, model: 'scripted' });
    expect(readHostConfig({ LLM_BASE_URL: 'http://localhost:11434/v1', LLM_MODEL: 'llama3.1' }).llm).toEqual({
      provider: 'openai-compatible',
      baseUrl: 'http://localhost:11434/v1',
      apiKey: undefined,
      model: 'llama3.1',
    });
    expect(readHostConfig({ LLM_PROVIDER: 'anthropic', LLM_API_KEY: 'k' }).llm).toMatchObject({
      provider: 'anthropic',
      baseUrl: null,
      model: 'claude-haiku-4-5',
    });
  });

  it('stops the boot on combinations that cannot work, naming each', () => {
    expect(problemsOf({ LLM_PROVIDER: 'gemini' })).toContain(
      "LLM_PROVIDER must be one of scripted, openai, anthropic, openai-compatible (got 'gemini')",
    );
    expect(problemsOf({ LLM_PROVIDER: 'openai' })).toContain('LLM_PROVIDER=openai needs LLM_API_KEY');
    const both = problemsOf({ LLM_PROVIDER: 'anthropic', LLM_BASE_URL: 'ftp://x' });
    expect(both).toContain('LLM_BASE_URL must be an http(s) URL');
    expect(both).toContain('LLM_PROVIDER=anthropic needs LLM_API_KEY');
    expect(problemsOf({ LLM_PROVIDER: 'openai-compatible' })).toContain('LLM_PROVIDER=openai-compatible needs LLM_BASE_URL');
    expect(problemsOf({ LLM_PROVIDER: 'scripted', LLM_API_KEY: 'k' })).toContain('LLM_PROVIDER=scripted uses no LLM_API_KEY');
    expect(problemsOf({ LLM_API_KEY: 'k' })).toContain('LLM_API_KEY is set without LLM_PROVIDER');
  });
});
