import type { AgentMessage } from './agent-state.js';
import type { JsonObject, JsonValue } from './json.js';
import type { SpawnRequest } from './subagent-access.js';
import type { ApprovalRequest } from './tool-approval.js';

export const StepOutcome = {
  Continue: 'continue',
  Done: 'done',
  AwaitInput: 'await_input',
  AwaitEvent: 'await_event',
  /** Spawn subagents and wait for all of them (no worker held); their summaries come back as tool results. */
  AwaitChildren: 'await_children',
  /** Park until a time (no worker, no connection held); the run goes on from the next step then. */
  Sleep: 'sleep',
} as const;
export type StepOutcome = (typeof StepOutcome)[keyof typeof StepOutcome];

interface StepResultBase {
  /** Messages this step adds to the history (appended, never rewritten). */
  messages?: AgentMessage[];
  /** The agent's new checkpoint data; omitted = unchanged. */
  data?: JsonObject;
  /** A label for metrics and events: `model`, `tool`, `custom`, ... */
  stepType?: string;
  /** Tools the step called, for events and logs. */
  toolNames?: string[];
}

export type StepResult =
  | (StepResultBase & { outcome: typeof StepOutcome.Continue })
  | (StepResultBase & { outcome: typeof StepOutcome.Done; output: JsonValue })
  | (StepResultBase & { outcome: typeof StepOutcome.AwaitInput; prompt: string; approvals?: ApprovalRequest[] })
  | (StepResultBase & { outcome: typeof StepOutcome.AwaitEvent; eventType: string; timeoutSeconds?: number })
  | (StepResultBase & { outcome: typeof StepOutcome.AwaitChildren; spawn: SpawnRequest[] })
  | (StepResultBase & { outcome: typeof StepOutcome.Sleep; until: Date });

/** How long a sleep lasts: milliseconds, or named units that add up. */
export type SleepDuration = number | { days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number };

const UNIT_MS = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1 } as const;

function durationMs(duration: SleepDuration): number {
  if (typeof duration === 'number') return duration;
  return Object.entries(UNIT_MS).reduce((total, [unit, ms]) => total + (duration[unit as keyof typeof UNIT_MS] ?? 0) * ms, 0);
}

/**
 * Constructors for step results, so agents read as prose:
 * @example
 * return step.done({ answer: 42 }, { messages: [{ role: 'assistant', content: '42' }] });
 */
export const step = {
  continue: (extra: StepResultBase = {}): StepResult => ({ ...extra, outcome: StepOutcome.Continue }),
  done: (output: JsonValue, extra: StepResultBase = {}): StepResult => ({ ...extra, outcome: StepOutcome.Done, output }),
  awaitInput: (prompt: string, extra: StepResultBase = {}): StepResult => ({
    ...extra,
    outcome: StepOutcome.AwaitInput,
    prompt,
  }),
  /**
   * Parks the run as `awaiting_input` until every listed tool call is approved or denied (REST:
   * `POST /api/agents/:id/approvals/:approvalId`); the decisions join the history as one tool
   * message each and the run continues. LLM agents return this for tools with `needsApproval`.
   */
  awaitApproval: (approvals: ApprovalRequest[], extra: StepResultBase = {}): StepResult => ({
    ...extra,
    outcome: StepOutcome.AwaitInput,
    prompt: `Approve or deny: ${approvals.map((a) => a.toolName).join(', ')}`,
    approvals,
  }),
  awaitEvent: (eventType: string, extra: StepResultBase & { timeoutSeconds?: number } = {}): StepResult => ({
    ...extra,
    outcome: StepOutcome.AwaitEvent,
    eventType,
  }),
  /**
   * Starts one child execution per request and parks until all of them ended; each child's summary
   * (capped) is then appended as a tool result and the run continues. Check `ctx.subagents` first:
   * an unknown subagent or one beyond the maximum depth fails the run.
   * @example
   * return step.spawn([{ subagent: 'researcher', input: 'Find the release notes of v2' }]);
   */
  spawn: (requests: SpawnRequest[], extra: StepResultBase = {}): StepResult => ({
    ...extra,
    outcome: StepOutcome.AwaitChildren,
    spawn: requests,
  }),
  /**
   * Commits this step and parks the run (status `scheduled`, no worker, no connection) until the
   * time has passed; the next step runs then, on any worker, also after restarts.
   * @example
   * return step.sleep({ hours: 1 }, { data: { ...state.data, remindedAt: Date.now() } });
   */
  sleep: (duration: SleepDuration, extra: StepResultBase = {}): StepResult => ({
    ...extra,
    outcome: StepOutcome.Sleep,
    until: new Date(Date.now() + durationMs(duration)),
  }),
  /** `sleep` until a point in time (a time in the past wakes at once). */
  sleepUntil: (until: Date | string, extra: StepResultBase = {}): StepResult => ({
    ...extra,
    outcome: StepOutcome.Sleep,
    until: new Date(until),
  }),
};
