import { describe, expect, it } from 'vitest';
import { InvalidPipelineError } from '../../src/agent/errors/pipeline.errors.js';
import { parsePipelineStages, type DefinitionRules } from '../../src/agent/pipelines/pipeline-definition.js';

const rules: DefinitionRules = {
  agentTypes: ['echo', 'writer'],
  allowedQueues: ['agents-default', 'agents-long'],
  maxStages: 4,
  maxParallel: 3,
};

/** The problems a definition is refused with. */
function problemsOf(stages: unknown, r: DefinitionRules = rules): string[] {
  try {
    parsePipelineStages(stages, r);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPipelineError);
    return [...(error as InvalidPipelineError).problems];
  }
  throw new Error('expected the definition to be refused');
}

describe('pipeline definitions', () => {
  it('types sequential stages and parallel groups', () => {
    const stages = parsePipelineStages(
      [
        { name: 'research', agent_type: 'echo', queue: 'agents-long' },
        {
          parallel: [
            { name: 'a', agent_type: 'echo', prompt_template: 'A: {previous_output}' },
            { name: 'b', agent_type: 'writer' },
          ],
        },
        {
          name: 'summary',
          agent_type: 'writer',
          prompt_template: '{stages.a.output} + {stages.b.output} from {stages.research.output} on {initial_input}',
        },
      ],
      rules,
    );
    expect(stages).toEqual([
      { parallel: false, members: [{ name: 'research', agentType: 'echo', promptTemplate: null, queue: 'agents-long' }] },
      {
        parallel: true,
        members: [
          { name: 'a', agentType: 'echo', promptTemplate: 'A: {previous_output}' },
          { name: 'b', agentType: 'writer', promptTemplate: null },
        ],
      },
      {
        parallel: false,
        members: [
          {
            name: 'summary',
            agentType: 'writer',
            promptTemplate: '{stages.a.output} + {stages.b.output} from {stages.research.output} on {initial_input}',
          },
        ],
      },
    ]);
  });

  it('refuses an empty or non-array definition', () => {
    expect(problemsOf([])).toEqual(['stages must be a non-empty array']);
    expect(problemsOf({ name: 'x' })).toEqual(['stages must be a non-empty array']);
  });

  it('refuses duplicate names, also across parallel groups', () => {
    expect(
      problemsOf([
        { name: 'a', agent_type: 'echo' },
        {
          parallel: [
            { name: 'b', agent_type: 'echo' },
            { name: 'a', agent_type: 'echo' },
          ],
        },
      ]),
    ).toEqual(["stage name 'a' is used more than once; names must be unique in the pipeline"]);
  });

  it('refuses unknown agent types (listing the known ones), disallowed queues, bad names and unknown fields', () => {
    expect(
      problemsOf([
        { name: 'a', agent_type: 'nope', queue: 'agents-priority', extra: 1 },
        { name: 'b.c', agent_type: 'echo' },
        { agent_type: 'echo' },
      ]),
    ).toEqual([
      'stages[0]: unexpected field(s) extra',
      "stages[0].agent_type: unknown agent type 'nope'. Known types: echo, writer",
      "stages[0].queue: queue 'agents-priority' is not allowed. Allowed: agents-default, agents-long",
      "stages[1].name must be 1-64 letters, digits, '_' or '-'",
      "stages[2].name must be 1-64 letters, digits, '_' or '-'",
    ]);
  });

  it('refuses templates that reference later, same-group or unknown stages, or previous_output in the first stage', () => {
    const problems = problemsOf([
      { name: 'first', agent_type: 'echo', prompt_template: 'x {previous_output}' },
      {
        parallel: [
          { name: 'a', agent_type: 'echo', prompt_template: '{stages.b.output}' },
          { name: 'b', agent_type: 'echo', prompt_template: '{stages.last.output}' },
        ],
      },
      { name: 'last', agent_type: 'echo', prompt_template: '{stages.ghost.output} {prompt} {stages.first.output}' },
    ]);
    expect(problems).toEqual([
      "stage 'first' prompt_template: {previous_output} is not available in the first stage (use {initial_input})",
      "stage 'a' prompt_template: {stages.b.output} does not name an earlier stage",
      "stage 'b' prompt_template: {stages.last.output} does not name an earlier stage",
      "stage 'last' prompt_template: {stages.ghost.output} does not name an earlier stage",
      "stage 'last' prompt_template: unknown placeholder {prompt} (use {initial_input}, {previous_output} or {stages.<name>.output})",
    ]);
  });

  it('treats braces that are not placeholders as text', () => {
    expect(() =>
      parsePipelineStages([{ name: 'a', agent_type: 'echo', prompt_template: 'Answer as {"ok": true} or { spaced }' }], rules),
    ).not.toThrow();
  });

  it('enforces maxStages (a parallel group counts once) and maxParallel, and refuses nested or empty groups', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, agent_type: 'echo' }));
    expect(problemsOf(five)).toEqual(['stages has 5 stages; at most 4 are allowed']);
    const wide = { parallel: ['a', 'b', 'c', 'd'].map((name) => ({ name, agent_type: 'echo' })) };
    expect(problemsOf([wide])).toEqual(['stages[0].parallel has 4 stages; at most 3 are allowed']);
    expect(
      problemsOf([{ parallel: [{ parallel: [] }] }, { parallel: [] }, { parallel: [{ name: 'x', agent_type: 'echo' }], name: 'g' }]),
    ).toEqual([
      'stages[0].parallel[0]: parallel groups cannot be nested',
      'stages[1].parallel must be a non-empty array of stages',
      "stages[2]: a parallel group takes only 'parallel' (unexpected: name)",
    ]);
  });

  it('refuses a definition over the stage limit before reading it, in milliseconds at any size', () => {
    const huge = Array.from({ length: 30_000 }, (_, i) => ({
      name: `s${i}`,
      agent_type: 'echo',
      prompt_template: `{stages.s${i - 1}.output}`,
    }));
    const startedAt = performance.now();
    expect(problemsOf(huge)).toEqual(['stages has 30000 stages; at most 4 are allowed']);
    expect(performance.now() - startedAt).toBeLessThan(50);
  });

  it('checks in linear time and stops after the first problems', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      name: `s${i}`,
      agent_type: 'nope',
      prompt_template: `{stages.s${i + 1}.output}`,
    }));
    const startedAt = performance.now();
    const problems = problemsOf(many, { ...rules, maxStages: 100_000 });
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(problems).toHaveLength(11);
    expect(problems.at(-1)).toBe('(the check stopped after 10 problems)');
    // Valid and large: linear, not quadratic, in the stages' names and templates.
    const chain = Array.from({ length: 20_000 }, (_, i) => ({
      name: `s${i}`,
      agent_type: 'echo',
      ...(i > 0 ? { prompt_template: `{stages.s${i - 1}.output}` } : {}),
    }));
    const validStartedAt = performance.now();
    expect(parsePipelineStages(chain, { ...rules, maxStages: 100_000 })).toHaveLength(20_000);
    // Quadratic would be seconds (4e8 steps); linear is well under, even on a loaded machine.
    expect(performance.now() - validStartedAt).toBeLessThan(3_000);
  });

  it('refuses an oversized parallel group without reading its members', () => {
    const group = { parallel: Array.from({ length: 10_000 }, () => ({ parallel: [] })) };
    expect(problemsOf([group])).toEqual(['stages[0].parallel has 10000 stages; at most 3 are allowed']);
  });
});
