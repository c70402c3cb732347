import { describe, expect, it } from 'vitest';
import type { PipelineStage } from '../../src/agent/pipelines/pipeline-stage.js';
import {
  renderTemplate,
  stageInputs,
  stageOutputText,
  stageOutputValue,
  stagePrompts,
} from '../../src/agent/pipelines/pipeline-template.js';

const single = (name: string, template: string | null = null): PipelineStage => ({
  parallel: false,
  members: [{ name, agentType: 'echo', promptTemplate: template }],
});
const group = (...names: string[]): PipelineStage => ({
  parallel: true,
  members: names.map((name) => ({ name, agentType: 'echo', promptTemplate: null })),
});

describe('pipeline templates', () => {
  it('fills every placeholder; non-string values as JSON', () => {
    const prompt = renderTemplate(
      'Topic {initial_input}; last: {previous_output}; research: {stages.research.output}; n: {stages.count.output}',
      {
        initialInput: { topic: 'agents' },
        previousOutput: 'draft',
        stageOutputs: { research: 'notes', count: 3 },
      },
    );
    expect(prompt).toBe('Topic {"topic":"agents"}; last: draft; research: notes; n: 3');
  });

  it('expands in one pass: placeholders inside outputs stay as they are', () => {
    expect(
      renderTemplate('{previous_output} / {initial_input}', {
        initialInput: '{previous_output}',
        previousOutput: 'said {initial_input}',
        stageOutputs: {},
      }),
    ).toBe('said {initial_input} / {previous_output}');
  });

  it('leaves braces that are not placeholders alone', () => {
    expect(
      renderTemplate('Reply as {"ok": true} about {initial_input}', { initialInput: 'x', previousOutput: null, stageOutputs: {} }),
    ).toBe('Reply as {"ok": true} about x');
  });

  it('joins a parallel group in declared order as "## <name>" blocks; a pipeline output of a group is an object by name', () => {
    const stage = group('b', 'a');
    const outputs = { a: 'alpha', b: { beta: true } };
    expect(stageOutputText(stage, outputs)).toBe('## b\n{"beta":true}\n\n## a\nalpha');
    expect(stageOutputValue(stage, outputs)).toEqual({ b: { beta: true }, a: 'alpha' });
    expect(stageOutputValue(single('a'), outputs)).toBe('alpha');
  });

  it('defaults to {initial_input} for the first stage and {previous_output} after it', () => {
    const stages = [single('one'), group('x', 'y'), single('last', 'Sum up {stages.one.output}:\n{previous_output}')];
    expect(stagePrompts(stages, 0, 'topic', {})).toEqual(['topic']);
    expect(stagePrompts(stages, 1, 'topic', { one: 'r1' })).toEqual(['r1', 'r1']);
    expect(stagePrompts(stages, 2, 'topic', { one: 'r1', x: 'X', y: 'Y' })).toEqual(['Sum up r1:\n## x\nX\n\n## y\nY']);
  });

  it('passes the JSON value through when the template is one whole placeholder, and renders a prompt otherwise', () => {
    const stages: PipelineStage[] = [
      { parallel: false, members: [{ name: 'first', agentType: 'steps', promptTemplate: null }] },
      {
        parallel: true,
        members: [
          { name: 'a', agentType: 'x', promptTemplate: ' {previous_output} ' },
          { name: 'b', agentType: 'x', promptTemplate: 'About {initial_input}' },
        ],
      },
      { parallel: false, members: [{ name: 'last', agentType: 'x', promptTemplate: null }] },
    ];
    expect(stageInputs(stages, 0, { steps: 2 }, {})).toEqual([{ steps: 2 }]);
    expect(stageInputs(stages, 1, { steps: 2 }, { first: { n: 1 } })).toEqual([{ n: 1 }, { prompt: 'About {"steps":2}' }]);
    expect(stageInputs(stages, 2, null, { first: 1, a: 'A', b: 'B' })).toEqual([{ a: 'A', b: 'B' }]);
  });
});
