import { describe, expect, it } from 'vitest';
import { AgentRegistry } from '../../src/agent/executions/registry/agent-registry.js';
import type { ResolvedExecutionOptions } from '../../src/agent/executions/executions.options.js';
import { DEFAULT_LIMITS } from '../../src/agent/executions/executions.options.js';
import { compareAgentVersions, type AgentStepper } from '../../src/agent/runtime/agent-definition.js';
import { step } from '../../src/agent/runtime/step-result.js';

const options = {
  defaults: {
    limits: DEFAULT_LIMITS,
    chunkSize: 25,
    queue: 'agents-default',
    retries: 3,
    retryBackoff: { initialMs: 1000, maxMs: 60_000 },
  },
} as ResolvedExecutionOptions;
const stepper = (): AgentStepper => ({ step: async () => step.done(null) });

describe('agent versions in the registry', () => {
  it('orders versions as numbers where they are numbers', () => {
    expect(['10', '9', '1', '2.1', '2'].sort(compareAgentVersions)).toEqual(['1', '2', '2.1', '9', '10']);
  });

  it('gives new starts the highest version and a running execution the exact one it asks for', () => {
    const registry = new AgentRegistry(options);
    const v9 = stepper();
    registry.register({ name: 'a', version: '9' }, v9, 'test');
    registry.register({ name: 'a', version: '10' }, stepper(), 'test');
    registry.register({ name: 'a' }, stepper(), 'test');
    expect(registry.get('a')!.version).toBe('10');
    expect(registry.get('a', '9')!.stepper).toBe(v9);
    expect(registry.get('a', '3')).toBeUndefined();
    expect(registry.versions('a')).toEqual(['10', '9', '1']);
    expect(registry.versions('b')).toEqual([]);
    expect(registry.names()).toEqual(['a']);
  });

  it('refuses the same name and version twice, and a version that is not a short name', () => {
    const registry = new AgentRegistry(options);
    registry.register({ name: 'a' }, stepper(), 'first');
    expect(() => registry.register({ name: 'a', version: '1' }, stepper(), 'second')).toThrow(
      /second: agent type 'a' version '1' is registered twice/,
    );
    expect(() => registry.register({ name: 'a', version: '' }, stepper(), 'x')).toThrow(/version "" must be/);
    expect(() => registry.register({ name: 'a', version: 2 as unknown as string }, stepper(), 'x')).toThrow(/version 2 must be/);
  });
});
