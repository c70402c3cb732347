export const QueueName = {
  Default: 'agents-default',
  Long: 'agents-long',
  Priority: 'agents-priority',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

export const isQueueName = (value: unknown): value is QueueName =>
  typeof value === 'string' && (ALL_QUEUES as readonly string[]).includes(value);

/**
 * The jobs on the library's queues: run an execution, run a batch of woken executions, or end one
 * wait if it is still waiting. Stored in the queues as is.
 */
export const ExecutionJobName = {
  Run: 'run',
  RunBatch: 'run_batch',
  ExpireWait: 'expire_wait',
} as const;
export type ExecutionJobName = (typeof ExecutionJobName)[keyof typeof ExecutionJobName];
