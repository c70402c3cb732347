import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { SubagentSpec } from '../../runtime/subagent-spec.js';
import { abortable, StepTimeoutError } from '../../runtime/abortable.js';
import { executionAttributes, inSpan, SpanName } from '../../runtime/tracing.js';
import type { AgentState } from '../../runtime/agent-state.js';
import { recordStep, type StepRecording } from '../../runtime/step-recorder.js';
import { StepOutcome, type StepResult } from '../../runtime/step-result.js';
import { findStepResultProblem } from '../../runtime/step-result-check.js';
import { findSpawnProblem, subagentAgentType, type SubagentAccess } from '../../runtime/subagent-access.js';
import { checkAgainstSchema, describeIssues } from '../../runtime/schemas/input-validation.js';
import type { JsonValue } from '../../runtime/json.js';
import { AgentInputCheck } from '../registry/agent-input-check.js';
import { WorkspaceService } from '../../workspaces/workspace.service.js';
import { WorkerMcpConnections } from '../../mcp/worker-mcp-connections.js';
import { ForceKilledError, StopRequestedError, type ActiveExecution } from './active-executions.js';
import type { RegisteredAgent } from '../registry/agent-registry.js';
import { ExecutionEventName, ExecutionEvents } from '../execution-events.js';
import { FailureCode, type ExecutionError } from '../execution-status.js';
import type { Lease } from './lease.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';
import { ExecutionStore } from './execution-store.js';
import { retryDecision, type RetryDecision } from '../../runtime/retryable-error.js';

/** `durationMs`: from the step's start (`recording.startedAt`) to its result or its failure. */
export type StepAttempt =
  | { ok: true; result: StepResult; recording: StepRecording; durationMs: number }
  | { ok: false; killed: false; error: ExecutionError; recording: StepRecording; retry: RetryDecision; durationMs: number }
  | { ok: false; killed: true }
  /** Given back for a pause or cancel asked before it began: commits nothing, the loop applies the request. */
  | { ok: false; killed: false; stopped: true };

/**
 * Runs one step: its `AbortSignal` fires at the execution's deadline and on force kill, and the
 * step is abandoned at that moment even if it ignores the signal. Nothing is committed here.
 */
@Injectable()
export class StepExecutor {
  private readonly availableSubagents: SubagentAccess['available'];

  constructor(
    private readonly events: ExecutionEvents,
    private readonly heartbeat: LeaseHeartbeat,
    private readonly workspaces: WorkspaceService,
    private readonly mcp: WorkerMcpConnections,
    private readonly store: ExecutionStore,
    private readonly inputs: AgentInputCheck,
    // NOTE: the subagents' options are a folder above the kernel's, so what a step is offered is named by shape.
    @Inject(AGENT_OPTIONS) private readonly options: { subagents: { specs: SubagentSpec[]; maxDepth: number } },
  ) {
    this.availableSubagents = options.subagents.specs.map((s) => ({ name: s.name, description: s.description }));
  }

  async attempt(
    agent: RegisteredAgent,
    lease: Lease,
    active: ActiveExecution,
    state: AgentState,
    stepNumber: number,
    deadline: number,
  ): Promise<StepAttempt> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new StepTimeoutError(agent.limits.timeoutSeconds)), Math.max(0, deadline - Date.now()));
    const ids = { executionId: lease.executionId, tenantId: lease.tenantId, userId: lease.userId };
    let index = 0;
    // A step run again after a retryable failure: which attempt, and the tool calls the earlier ones completed.
    const attemptNumber = lease.stepRetry?.step === stepNumber ? lease.stepRetry.attempt : 1;
    const receipts = attemptNumber > 1 ? await this.store.toolReceipts(lease.executionId, stepNumber) : [];
    const { context, recording } = recordStep(
      { ...ids, agentType: lease.agentType, stepNumber, attempt: attemptNumber, receipts },
      controller.signal,
      (text) =>
        this.events.publish({
          name: ExecutionEventName.Token,
          ...ids,
          seq: active.lastSeq,
          stepNumber,
          epoch: lease.epoch,
          text,
          index: index++,
        }),
      this.workspaces.forStep({ ...ids, tier: lease.tier }, controller.signal),
      this.subagentAccess(lease.depth),
      this.mcp,
    );
    active.beginStep(controller);
    const stopHeartbeat = this.heartbeat.start(lease);
    const elapsed = () => Math.round(performance.now() - recording.startMark);
    try {
      const step = inSpan(
        SpanName.Step,
        { ...executionAttributes({ ...ids, agentType: lease.agentType }), 'agent.step_number': stepNumber },
        async (span) => {
          const result = await agent.stepper.step(state, context);
          span.setAttribute('agent.step_outcome', result?.outcome ?? 'invalid');
          return result;
        },
      );
      const raw = await abortable(step, controller.signal);
      const problem = findStepResultProblem(raw) ?? spawnProblem(raw, context.subagents);
      if (problem) {
        const error = { code: FailureCode.StepError, message: `Invalid step result: ${problem}` };
        return { ok: false, killed: false, error, recording, retry: { retryable: false }, durationMs: elapsed() };
      }
      // NOTE: only steps that a schema applies to pay for the check: the hot path stays as it was.
      const checked = hasSchemaToCheck(agent, raw)
        ? await abortable(this.checkSchemas(agent, raw), controller.signal)
        : { ok: true as const, result: raw };
      if (!checked.ok)
        return { ok: false, killed: false, error: checked.error, recording, retry: { retryable: false }, durationMs: elapsed() };
      return { ok: true, result: checked.result, recording, durationMs: elapsed() };
    } catch (error) {
      if (controller.signal.reason instanceof ForceKilledError || active.killed) return { ok: false, killed: true };
      if (controller.signal.reason instanceof StopRequestedError) return { ok: false, killed: false, stopped: true };
      if (controller.signal.reason instanceof StepTimeoutError) {
        const timedOut = { code: FailureCode.Timeout, message: controller.signal.reason.message };
        return { ok: false, killed: false, error: timedOut, recording, retry: { retryable: false }, durationMs: elapsed() };
      }
      return {
        ok: false,
        killed: false,
        error: { code: FailureCode.StepError, message: describe(error) },
        recording,
        retry: retryDecision(error),
        durationMs: elapsed(),
      };
    } finally {
      clearTimeout(timer);
      stopHeartbeat();
      active.endStep();
    }
  }

  /**
   * A finishing step's output against its type's `outputSchema`, a spawning step's children's
   * inputs against theirs. What the schemas output replaces what the step gave.
   */
  private async checkSchemas(
    agent: RegisteredAgent,
    result: StepResult,
  ): Promise<{ ok: true; result: StepResult } | { ok: false; error: ExecutionError }> {
    if (result.outcome === StepOutcome.Done && agent.outputSchema) {
      const checked = await checkAgainstSchema(agent.outputSchema, result.output);
      if (!checked.ok) {
        const message = `The output does not match the output schema of agent type '${agent.name}': ${describeIssues(checked.issues)}`;
        return { ok: false, error: { code: FailureCode.InvalidOutput, message } };
      }
      return { ok: true, result: { ...result, output: (checked.value ?? null) as JsonValue } };
    }
    if (result.outcome === StepOutcome.AwaitChildren) {
      const spawn = [...result.spawn];
      for (const [i, request] of spawn.entries()) {
        const checked = await this.inputs.check(subagentAgentType(request.subagent), request.input);
        if (!checked.ok) {
          const message = `Invalid step result: cannot spawn '${request.subagent}': its input does not match its input schema: ${describeIssues(checked.issues)}`;
          return { ok: false, error: { code: FailureCode.StepError, message } };
        }
        spawn[i] = { ...request, input: checked.value };
      }
      return { ok: true, result: { ...result, spawn } };
    }
    return { ok: true, result };
  }

  private subagentAccess(depth: number): SubagentAccess {
    return { available: this.availableSubagents, depth, maxDepth: this.options.subagents.maxDepth };
  }
}

/** A finishing step of a type with an output schema, or a spawning step (its children's types may have input schemas). */
const hasSchemaToCheck = (agent: RegisteredAgent, result: StepResult): boolean =>
  (result.outcome === StepOutcome.Done && agent.outputSchema !== undefined) || result.outcome === StepOutcome.AwaitChildren;

/** A custom agent's spawn of an unknown subagent, or beyond the maximum depth, fails its run clearly. */
const spawnProblem = (result: StepResult, access: SubagentAccess): string | null =>
  result.outcome === StepOutcome.AwaitChildren ? findSpawnProblem(result.spawn, access) : null;

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
