/**
 * A pipeline is `running` from the moment it is created (its first stage is admitted in the same
 * transaction) until it ends `completed`, `failed` or `cancelled`; those three are final.
 */
export const PipelineStatus = {
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type PipelineStatus = (typeof PipelineStatus)[keyof typeof PipelineStatus];

export const isFinalPipeline = (status: string): boolean => status !== PipelineStatus.Running;
