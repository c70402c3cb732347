import { MessageRole } from './agent-state.js';
import { StepOutcome, type StepResult } from './step-result.js';

const ROLES = Object.values(MessageRole) as string[];
const OUTCOMES = Object.values(StepOutcome) as string[];

/**
 * What an agent returned must be committable: a known outcome, well-formed messages, JSON data.
 * Returns the problem, or null. Checked before the commit so a bad agent fails its run clearly
 * instead of failing the statement.
 */
export function findStepResultProblem(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return 'the step returned no result object';
  const r = result as Partial<StepResult> & Record<string, unknown>;
  if (!OUTCOMES.includes(r.outcome as string)) return `unknown outcome ${JSON.stringify(r.outcome)} (expected ${OUTCOMES.join(', ')})`;
  if (r.messages !== undefined) {
    if (!Array.isArray(r.messages)) return 'messages must be an array';
    for (const m of r.messages) {
      if (typeof m !== 'object' || m === null || !ROLES.includes(m.role))
        return `a message has an invalid role (expected ${ROLES.join(', ')})`;
      if (m.content === undefined) return 'a message has no content';
    }
  }
  if (r.data !== undefined && (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data))) {
    return 'data must be a plain object';
  }
  if (r.outcome === StepOutcome.AwaitEvent && (typeof r.eventType !== 'string' || r.eventType.length === 0)) {
    return 'await_event needs an eventType';
  }
  if (r.outcome === StepOutcome.Sleep && !(r.until instanceof Date && Number.isFinite(r.until.getTime()))) {
    return 'sleep needs a valid time to wake (a finite duration, or a date)';
  }
  if (r.outcome === StepOutcome.AwaitInput && typeof r.prompt !== 'string') return 'await_input needs a prompt';
  if (r.outcome === StepOutcome.AwaitInput && r.approvals !== undefined) {
    const approvals = r.approvals as unknown;
    if (!Array.isArray(approvals) || approvals.length === 0) return 'approvals must be a non-empty array';
    for (const a of approvals) {
      if (
        typeof a !== 'object' ||
        a === null ||
        typeof a.approvalId !== 'string' ||
        typeof a.toolCallId !== 'string' ||
        typeof a.toolName !== 'string'
      )
        return 'each approval needs an approvalId, a toolCallId and a toolName';
    }
  }
  if (r.outcome === StepOutcome.AwaitChildren) {
    const spawn = r.spawn as unknown;
    if (!Array.isArray(spawn) || spawn.length === 0) return 'await_children needs a non-empty spawn list';
    for (const request of spawn) {
      if (typeof request !== 'object' || request === null || typeof request.subagent !== 'string')
        return 'each spawn request needs a subagent name';
      if (request.input === undefined) return `the spawn of '${request.subagent}' has no input (use null for none)`;
      if (request.toolCallId !== undefined && typeof request.toolCallId !== 'string') return 'a spawn request toolCallId must be a string';
    }
  }
  try {
    JSON.stringify([
      r.messages,
      r.data,
      r.outcome === StepOutcome.Done ? r.output : null,
      r.outcome === StepOutcome.AwaitChildren ? r.spawn : null,
      r.outcome === StepOutcome.AwaitInput ? r.approvals : null,
    ]);
  } catch (error) {
    return `the result is not JSON-serialisable: ${(error as Error).message}`;
  }
  if (r.outcome === StepOutcome.Done && r.output === undefined) return 'done needs an output (use null for none)';
  return null;
}
