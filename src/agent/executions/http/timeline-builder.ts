import type { JsonValue } from '../../runtime/json.js';
import { LogEventType } from '../../runtime/log-event-type.js';
import { ExecutionStatus, FailureCode, isTerminal, PARKED_STATUSES } from '../execution-status.js';
import type { ExecutionTimelineView, TimelineCallView, TimelineGapView, TimelineStepView } from './timeline.view.js';

/** What the builder reads of a log row. */
export interface TimelineRow {
  stepNumber: number | null;
  eventType: string;
  context: Record<string, unknown>;
  createdAt: Date;
}

/** What the builder reads of the execution. */
export interface TimelineExecution {
  id: string;
  status: ExecutionStatus;
  scheduledFor: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

type Context = Record<string, unknown>;

/** The codes of a failure a step itself raised (its `failed` row closes the step); the others end a run between steps. */
const STEP_FAILURES = new Set<string>([FailureCode.StepError, FailureCode.Timeout, FailureCode.InvalidOutput]);
const CALL_ROWS = new Set<string>([
  LogEventType.ModelCalled,
  LogEventType.ModelCompleted,
  LogEventType.ToolCalled,
  LogEventType.ToolCompleted,
]);
const PARKED = new Set<string>(PARKED_STATUSES);

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

/**
 * A run's waterfall from its log rows, oldest first: each attempt at a step with its timed model and
 * tool calls (the rows its commit wrote, ending with `step_completed`, or `failed` / `step_retry_scheduled`
 * when it threw), and the spans nothing ran in between (from the status each row reached).
 *
 * Rows written before steps were timed still make a timeline: a step starts `duration_ms` before its
 * row (or, for a failure, at the previous boundary), calls sit at offset 0 with no duration.
 */
export function buildTimeline(execution: TimelineExecution, rows: readonly TimelineRow[], truncated: boolean): ExecutionTimelineView {
  const steps: TimelineStepView[] = [];
  let open: TimelineRow[] = [];
  /** When the last step ended or a runner took the run: where an untimed failed step began. */
  let boundary = execution.startedAt ?? execution.createdAt;
  for (const [i, row] of rows.entries()) {
    if (CALL_ROWS.has(row.eventType)) open.push(row);
    const closing = closingOf(row, rows[i - 1]);
    if (closing) {
      steps.push(stepOf(row, closing, open, boundary));
      open = [];
    }
    if (closing || row.eventType === LogEventType.Started) boundary = row.createdAt;
  }
  return {
    execution_id: execution.id,
    created_at: execution.createdAt.toISOString(),
    started_at: execution.startedAt?.toISOString() ?? null,
    completed_at: execution.completedAt?.toISOString() ?? null,
    steps,
    gaps: gapsOf(execution, rows, truncated),
    truncated,
  };
}

/** Whether `row` ends an attempt at a step, and how. */
function closingOf(row: TimelineRow, previous: TimelineRow | undefined): TimelineStepView['outcome'] | null {
  if (row.stepNumber === null) return null;
  if (row.eventType === LogEventType.StepCompleted) return 'completed';
  if (row.eventType === LogEventType.StepRetryScheduled) return 'retry_scheduled';
  if (row.eventType !== LogEventType.Failed) return null;
  // A step that threw says when it started; an older row is recognised by its code, and by not
  // following the `step_completed` of a step whose result ended the run (limits).
  if (str(row.context.started_at)) return 'failed';
  const afterItsStep = previous?.eventType === LogEventType.StepCompleted && previous.stepNumber === row.stepNumber;
  return STEP_FAILURES.has(String(row.context.code)) && !afterItsStep ? 'failed' : null;
}

function stepOf(row: TimelineRow, outcome: TimelineStepView['outcome'], open: TimelineRow[], boundary: Date): TimelineStepView {
  const c = row.context;
  const step = row.stepNumber!;
  const calls = callsOf(open.filter((r) => r.stepNumber === step));
  const duration = num(c.duration_ms);
  // Untimed (an older row): its duration before the row, or (a failure, which had none) since the last boundary.
  const untimedStart = duration === undefined ? boundary : new Date(row.createdAt.getTime() - duration);
  const startedAt = str(c.started_at) ?? untimedStart.toISOString();
  const models = calls.filter((call) => call.kind === 'model');
  const sum = (key: 'input_tokens' | 'output_tokens') => models.reduce((n, call) => n + (call[key] ?? 0), 0);
  // A retry row's `attempt` is the next one; the failed attempt is the one before.
  const attempt = outcome === 'retry_scheduled' ? (num(c.attempt) ?? 2) - 1 : (num(c.attempt) ?? 1);
  return {
    step,
    attempt,
    started_at: startedAt,
    duration_ms: duration ?? Math.max(0, row.createdAt.getTime() - Date.parse(startedAt)),
    outcome,
    input_tokens: num(c.input_tokens) ?? sum('input_tokens'),
    output_tokens: num(c.output_tokens) ?? sum('output_tokens'),
    calls,
  };
}

/** A step's calls by their offsets: each model call from its start and end rows, each tool call from its call and its result. */
function callsOf(rows: TimelineRow[]): TimelineCallView[] {
  const calls: TimelineCallView[] = [];
  const models: TimelineCallView[] = [];
  const tools: { key: string; call: TimelineCallView }[] = [];
  const keyOf = (c: Context) => (str(c.toolCallId) ? `id:${c.toolCallId}` : `name:${String(c.toolName)}`);
  for (const { eventType, context: c } of rows) {
    if (eventType === LogEventType.ModelCalled) {
      const call: TimelineCallView = {
        kind: 'model',
        name: String(c.model ?? 'model'),
        offset_ms: num(c.offset_ms) ?? 0,
        duration_ms: null,
        ok: null,
      };
      models.push(call);
      calls.push(call);
    } else if (eventType === LogEventType.ModelCompleted) {
      const call =
        models.shift() ?? pushed(calls, { kind: 'model', name: String(c.model ?? 'model'), offset_ms: 0, duration_ms: null, ok: null });
      Object.assign(call, {
        name: String(c.model ?? call.name),
        offset_ms: num(c.offset_ms) ?? call.offset_ms,
        duration_ms: num(c.duration_ms) ?? null,
        ok: bool(c.ok),
        input_tokens: num(c.input_tokens) ?? 0,
        output_tokens: num(c.output_tokens) ?? 0,
        ...(str(c.error) ? { error: str(c.error) } : {}),
      });
    } else if (eventType === LogEventType.ToolCalled) {
      const call: TimelineCallView = {
        kind: 'tool',
        name: String(c.toolName ?? 'tool'),
        offset_ms: num(c.offset_ms) ?? 0,
        duration_ms: null,
        ok: null,
      };
      if (c.input !== undefined) call.input = c.input as JsonValue;
      tools.push({ key: keyOf(c), call });
      calls.push(call);
    } else if (eventType === LogEventType.ToolCompleted) {
      const i = tools.findIndex((t) => t.key === keyOf(c));
      const duration = num(c.duration_ms) ?? null;
      const call =
        i >= 0
          ? tools.splice(i, 1)[0]!.call
          : pushed(calls, {
              kind: 'tool',
              name: String(c.toolName ?? 'tool'),
              offset_ms: Math.max(0, (num(c.offset_ms) ?? 0) - (duration ?? 0)),
              duration_ms: null,
              ok: null,
            });
      call.duration_ms = duration;
      call.ok = bool(c.ok);
      if (call.input === undefined && c.input !== undefined) call.input = c.input as JsonValue;
      if (c.output !== undefined) call.output = c.output as JsonValue;
      if (str(c.error)) call.error = str(c.error);
      else if (c.denied === true) call.error = 'denied';
    }
  }
  return calls.sort((a, b) => a.offset_ms - b.offset_ms);
}

const pushed = (calls: TimelineCallView[], call: TimelineCallView): TimelineCallView => {
  calls.push(call);
  return call;
};

/**
 * The spans nothing ran, from each row's `status` (the status its change reached): a parked status opens
 * one, `running` or an end closes it. Between chunks the row stays `running` while the next job waits
 * for a worker: that span is shown as `pending`, which is what it is to the run.
 */
function gapsOf(execution: TimelineExecution, rows: readonly TimelineRow[], truncated: boolean): TimelineGapView[] {
  const gaps: TimelineGapView[] = [];
  let current: TimelineGapView | null = { status: initialStatus(execution, rows), from: execution.createdAt.toISOString(), to: null };
  for (const row of rows) {
    const status = row.eventType === LogEventType.Checkpointed && row.context.status === undefined ? 'pending' : str(row.context.status);
    if (!status || (status === current?.status && PARKED.has(status))) continue;
    if (!PARKED.has(status) && status !== ExecutionStatus.Running && !isTerminal(status as ExecutionStatus)) continue;
    if (current) gaps.push({ ...current, to: row.createdAt.toISOString() });
    current = PARKED.has(status) ? { status: status as ExecutionStatus, from: row.createdAt.toISOString(), to: null } : null;
  }
  // Still parked now (or past the rows read): no end yet, or none that was read.
  if (current && !(isTerminal(execution.status) && !truncated)) gaps.push(current);
  // A span closed in the millisecond it opened (a start taken at once) is no span.
  return gaps.filter((g) => g.to === null || g.to > g.from);
}

/** The status a run was created in, from what ended it: the wake of an event, a slot or turn freed, a time reached. */
function initialStatus(execution: TimelineExecution, rows: readonly TimelineRow[]): ExecutionStatus {
  const first = rows.find((r) => typeof r.context.status === 'string' || r.eventType === LogEventType.EventReceived);
  if (!first) return PARKED.has(execution.status) ? execution.status : ExecutionStatus.Pending;
  if (first.eventType === LogEventType.EventReceived) return ExecutionStatus.AwaitingEvent;
  if (first.eventType === LogEventType.ConcurrencySlotFree || first.eventType === LogEventType.TurnReleased)
    return ExecutionStatus.Scheduled;
  const sleptOrRetried = rows.some((r) => r.eventType === LogEventType.Sleeping || r.eventType === LogEventType.StepRetryScheduled);
  return execution.scheduledFor && !sleptOrRetried ? ExecutionStatus.Scheduled : ExecutionStatus.Pending;
}
