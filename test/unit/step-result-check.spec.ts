import { describe, expect, it } from 'vitest';
import { findStepResultProblem } from '../../src/agent/runtime/step-result-check.js';
import { step } from '../../src/agent/runtime/step-result.js';

describe('findStepResultProblem', () => {
  it('accepts well-formed results', () => {
    expect(findStepResultProblem(step.continue({ messages: [{ role: 'assistant', content: 'hi' }], data: { n: 1 } }))).toBeNull();
    expect(findStepResultProblem(step.done(null))).toBeNull();
  });

  it.each([
    ['no result object', undefined],
    ['unknown outcome', { outcome: 'finish' }],
    ['messages must be an array', { outcome: 'continue', messages: 'hi' }],
    ['invalid role', { outcome: 'continue', messages: [{ role: 'robot', content: 'x' }] }],
    ['no content', { outcome: 'continue', messages: [{ role: 'user' }] }],
    ['data must be a plain object', { outcome: 'continue', data: [1] }],
    ['needs an eventType', { outcome: 'await_event', eventType: '' }],
    ['needs a prompt', { outcome: 'await_input' }],
    ['done needs an output', { outcome: 'done' }],
    ['not JSON-serialisable', { outcome: 'continue', data: { n: 10n } }],
  ])('refuses a result: %s', (problem, result) => {
    expect(findStepResultProblem(result)).toContain(problem);
  });
});
