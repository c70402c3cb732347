import { describe, expect, it } from 'vitest';
import { step } from '../../src/agent/runtime/step-result.js';
import { nextStateAfter } from '../../src/agent/runtime/step-transition.js';

const limits = { maxSteps: 10, maxTokens: 1000, timeoutSeconds: 60 };
const progress = (stepCount: number, totalTokens = 0, stepsThisJob = 1) => ({ stepCount, totalTokens, stepsThisJob });

describe('nextStateAfter', () => {
  it('continues while under every limit and inside the chunk', () => {
    expect(nextStateAfter(step.continue(), progress(3), limits, 5)).toEqual({ kind: 'continue' });
  });

  it('hands over when the chunk is spent', () => {
    expect(nextStateAfter(step.continue(), progress(5, 0, 5), limits, 5)).toEqual({ kind: 'chunk_spent' });
  });

  it('fails at maxSteps, and on tokens beyond maxTokens', () => {
    expect(nextStateAfter(step.continue(), progress(10), limits, 50)).toMatchObject({ kind: 'failed', code: 'max_steps_exceeded' });
    expect(nextStateAfter(step.continue(), progress(2, 1001), limits, 50)).toMatchObject({ kind: 'failed', code: 'max_tokens_exceeded' });
    expect(nextStateAfter(step.continue(), progress(2, 1000), limits, 50)).toEqual({ kind: 'continue' });
  });

  it("lets the agent's own answer win on its last allowed step", () => {
    expect(nextStateAfter(step.done({ ok: true }), progress(10, 5000), limits, 1)).toEqual({ kind: 'completed', output: { ok: true } });
    expect(nextStateAfter(step.awaitInput('name?'), progress(10), limits, 1)).toEqual({ kind: 'awaiting_input', prompt: 'name?' });
    expect(nextStateAfter(step.awaitEvent('paid', { timeoutSeconds: 5 }), progress(1), limits, 1)).toEqual({
      kind: 'awaiting_event',
      eventType: 'paid',
      timeoutSeconds: 5,
    });
  });
});
