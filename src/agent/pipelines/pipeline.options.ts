import { isPositiveInt } from '../errors/option-checks.js';

export interface PipelineOptions {
  /**
   * Pipelines (default true). `false`: their routes (user and admin) are not mounted and ended
   * stages do not advance pipelines, so `PipelinesService` is not to be used either.
   */
  enabled?: boolean;
  /** Most stages in one pipeline, counting a parallel group as one (default 20). */
  maxStages?: number;
  /** Most members of one parallel group (default 10). */
  maxParallel?: number;
}

export interface ResolvedPipelineOptions {
  pipelines: { maxStages: number; maxParallel: number };
  features: { pipelines: boolean };
}

export function resolvePipelineOptions(input: PipelineOptions | undefined, problems: string[]): ResolvedPipelineOptions {
  const enabled = input?.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push('pipelines.enabled must be a boolean');
  const pipelines = { maxStages: input?.maxStages ?? 20, maxParallel: input?.maxParallel ?? 10 };
  for (const key of ['maxStages', 'maxParallel'] as const) {
    if (!isPositiveInt(pipelines[key])) problems.push(`pipelines.${key} must be a positive integer`);
  }
  return { pipelines, features: { pipelines: enabled } };
}
