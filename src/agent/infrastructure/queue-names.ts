export const QueueName = {
  Default: 'agents-default',
  Long: 'agents-long',
  Priority: 'agents-priority',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

export const isQueueName = (value: unknown): value is QueueName =>
  typeof value === 'string' && (ALL_QUEUES as readonly string[]).includes(value);
