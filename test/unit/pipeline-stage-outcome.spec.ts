import { describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../../src/agent/executions/execution-status.js';
import type { PipelineStage } from '../../src/agent/pipelines/pipeline-stage.js';
import { stageOutcome, type StageMemberRun } from '../../src/agent/pipelines/stage-outcome.js';

const stage: PipelineStage = {
  parallel: true,
  members: ['a', 'b', 'c'].map((name) => ({ name, agentType: 'echo', promptTemplate: null })),
};
const run = (stageName: string, status: ExecutionStatus, extra: Partial<StageMemberRun> = {}): StageMemberRun => ({
  id: `id-${stageName}`,
  stage: stageName,
  status,
  output: null,
  error: null,
  ...extra,
});

describe('the outcome of a stage', () => {
  it('is running while any member has not ended', () => {
    expect(stageOutcome(stage, 1, [run('a', 'completed'), run('b', 'running'), run('c', 'completed')], 'id-a')).toEqual({
      kind: 'running',
    });
  });

  it('is completed with every output by name when all members completed', () => {
    const runs = [run('a', 'completed', { output: 'A' }), run('b', 'completed', { output: { n: 1 } }), run('c', 'completed')];
    expect(stageOutcome(stage, 1, runs, 'id-c')).toEqual({ kind: 'completed', outputs: { a: 'A', b: { n: 1 }, c: null } });
  });

  it('fails on the ended member, naming the stage and index, and lists the members still running', () => {
    const runs = [run('a', 'running'), run('b', 'failed', { error: { code: 'step_error', message: 'boom' } }), run('c', 'pending')];
    expect(stageOutcome(stage, 2, runs, 'id-b')).toEqual({
      kind: 'failed',
      error: { code: 'step_error', message: 'boom', stage_index: 2, stage: 'b', execution_id: 'id-b' },
      stillRunning: ['id-a', 'id-c'],
    });
  });

  it('treats a cancelled member as a failure of the stage', () => {
    const outcome = stageOutcome(stage, 0, [run('a', 'completed'), run('b', 'cancelled'), run('c', 'completed')], 'id-b');
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'stage_cancelled', stage: 'b', stage_index: 0 }, stillRunning: [] });
  });

  it('keeps the output of a stage named like an Object.prototype member (__proto__, constructor)', () => {
    const odd: PipelineStage = {
      parallel: true,
      members: ['__proto__', 'constructor'].map((name) => ({ name, agentType: 'echo', promptTemplate: null })),
    };
    const outcome = stageOutcome(
      odd,
      0,
      [run('__proto__', 'completed', { output: 'P' }), run('constructor', 'completed', { output: 'C' })],
      'id-__proto__',
    );
    expect(outcome.kind).toBe('completed');
    const outputs = (outcome as { outputs: Record<string, unknown> }).outputs;
    expect(Object.hasOwn(outputs, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(outputs))).toEqual(JSON.parse('{"__proto__":"P","constructor":"C"}'));
  });
});
