import {
  isTerminalStatus,
  type ExecutionError,
  type ExecutionStatus,
  type Log,
  type LogEvent,
  type StatusEvent,
  type StepEvent,
  type TokenEvent,
} from './types.js';

/** One event for a subscription, whether it came live over the socket or was replayed from the logs. */
export type ClientEvent =
  | { kind: 'log'; event: LogEvent }
  | { kind: 'step'; event: StepEvent }
  | { kind: 'status'; event: StatusEvent }
  | { kind: 'token'; event: TokenEvent };

/** Socket event names (SPEC §7) and the kind each one is delivered as. */
export const SOCKET_EVENTS = {
  'log.appended': 'log',
  'step.completed': 'step',
  'status.changed': 'status',
  'token.delta': 'token',
} as const satisfies Record<string, ClientEvent['kind']>;

/** What the subscription delivered so far: replayed events need it where the log row alone says too little. */
export interface Progress {
  /** The highest step number delivered. */
  steps: number;
  /** Tokens of the steps delivered. */
  tokens: number;
}

/**
 * The events a committed log row stands for, in the order the server publishes them (log, then the
 * step it completes, then the status it reached) — the client's copy of the server's `eventsOfLog`.
 */
export function eventsOfLog(executionId: string, log: Log, progress: Progress): ClientEvent[] {
  const seq = log.id;
  const context = log.context as {
    status?: unknown;
    step_type?: unknown;
    tool_names?: unknown;
    input_tokens?: unknown;
    output_tokens?: unknown;
    code?: unknown;
  };
  const events: ClientEvent[] = [{ kind: 'log', event: { ...log, execution_id: executionId, seq } }];
  let step: StepEvent | null = null;
  if (log.event_type === 'step_completed') {
    step = {
      execution_id: executionId,
      seq,
      step_number: stepNumberOf(log, progress),
      step_type: typeof context.step_type === 'string' ? context.step_type : 'custom',
      tool_names: Array.isArray(context.tool_names) ? (context.tool_names as string[]) : [],
      tokens_used: num(context.input_tokens) + num(context.output_tokens),
      timestamp: log.created_at,
    };
    events.push({ kind: 'step', event: step });
  }
  if (typeof context.status === 'string') {
    const status = context.status as ExecutionStatus;
    const error: ExecutionError | undefined =
      status === 'failed' && typeof context.code === 'string' ? { code: context.code, message: log.message } : undefined;
    events.push({
      kind: 'status',
      event: {
        execution_id: executionId,
        seq,
        status,
        // The row itself says neither: the counters are what the steps delivered before it add up to.
        step_count: step ? step.step_number : progress.steps,
        token_usage: progress.tokens + (step?.tokens_used ?? 0),
        // The status and its log row are written by one statement: the same `now()`.
        completed_at: isTerminalStatus(status) ? log.created_at : null,
        ...(error ? { error } : {}),
      },
    });
  }
  return events;
}

/**
 * The log's `step_number`; from a server too old to send it, the row's message (`Step N
 * completed`), else the step after the last one.
 */
function stepNumberOf(log: Log, progress: Progress): number {
  if (typeof log.step_number === 'number') return log.step_number;
  const match = /^Step (\d+) completed/.exec(log.message);
  return match ? Number(match[1]) : progress.steps + 1;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
