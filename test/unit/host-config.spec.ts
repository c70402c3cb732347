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

  it('applies migrations at boot unless AGENTS_MIGRATIONS=off', () => {
    expect(readHostConfig({}).migrations).toBe(true);
    expect(readHostConfig({ AGENTS_MIGRATIONS: 'off' }).migrations).toBe(false);
    expect(() => readHostConfig({ AGENTS_MIGRATIONS: 'maybe' })).toThrow(/AGENTS_MIGRATIONS must be 'on' or 'off'/);
  });

  it('refuses an unknown log format, naming the variable', () => {
    expect(() => readHostConfig({ LOG_FORMAT: 'xml' })).toThrow(InvalidEnvironmentError);
    expect(() => readHostConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be 'text' or 'json'/);
  });
});
