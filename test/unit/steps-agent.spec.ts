import { describe, expect, it } from 'vitest';
import type { AgentState, StepContext } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';

const context = (stepNumber: number) => ({ stepNumber, attempt: 1, signal: new AbortController().signal }) as unknown as StepContext;
const state = (input: unknown) => ({ input, messages: [], data: {} }) as unknown as AgentState;

/** CPU this thread spent running `work`, in ms. */
async function cpuMsOf(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  return process.cpuUsage(before).user / 1000;
}

describe('the steps demo agent', () => {
  it('spends cpu_ms of CPU on each step, and none without it', async () => {
    const agent = new StepsAgent();
    expect(await cpuMsOf(() => agent.step(state({ steps: 2, cpu_ms: 80 }), context(1)))).toBeGreaterThanOrEqual(80);
    expect(await cpuMsOf(() => agent.step(state({ steps: 2 }), context(1)))).toBeLessThan(40);
  });

  it('caps cpu_ms at a second and ignores what is not a number', async () => {
    const agent = new StepsAgent();
    const capped = await cpuMsOf(() => agent.step(state({ steps: 1, cpu_ms: 60_000 }), context(1)));
    expect(capped).toBeGreaterThanOrEqual(1000);
    expect(capped).toBeLessThan(5000);
    expect(await cpuMsOf(() => agent.step(state({ steps: 1, cpu_ms: '9999' }), context(1)))).toBeLessThan(40);
  });
});
