import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { SubagentSpec } from '../../runtime/subagent-spec.js';
import { abortable, StepTimeoutError } from '../../runtime/abortable.js';
import { executionAttributes, inSpan, SpanName } from '../../runtime/tracing.js';
import type { AgentState } from '../../runtime/agent-state.js';
import { recordStep, type StepRecording } from '../../runtime/step-recorder.js';
import { StepOutcome, type StepResult } from '../../runtime/step-result.js';
import { findStepResultProblem } from '../../runtime/step-result-check.js';
import { findSpawnProblem, type SubagentAccess } from '../../runtime/subagent-access.js';
import { WorkspaceService } from '../../workspaces/workspace.service.js';
import { ForceKilledError, StopRequestedError, type ActiveExecution } from './active-executions.js';
import type { RegisteredAgent } from '../registry/agent-registry.js';
import { ExecutionEventName, ExecutionEvents } from '../execution-events.js';
import { FailureCode, type ExecutionError } from '../execution-status.js';
import type { Lease } from './lease.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';

export type StepAttempt =
  | { ok: true; result: StepResult; recording: StepRecording; durationMs: number }
  | { ok: false; killed: false; error: ExecutionError; recording: StepRecording }
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
    const { context, recording } = recordStep(
      { ...ids, agentType: lease.agentType, stepNumber },
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
    );
    active.beginStep(controller);
    const stopHeartbeat = this.heartbeat.start(lease);
    const startedAt = performance.now();
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
      const result = await abortable(step, controller.signal);
      const problem = findStepResultProblem(result) ?? spawnProblem(result, context.subagents);
      if (problem)
        return { ok: false, killed: false, error: { code: FailureCode.StepError, message: `Invalid step result: ${problem}` }, recording };
      return { ok: true, result, recording, durationMs: Math.round(performance.now() - startedAt) };
    } catch (error) {
      if (controller.signal.reason instanceof ForceKilledError || active.killed) return { ok: false, killed: true };
      if (controller.signal.reason instanceof StopRequestedError) return { ok: false, killed: false, stopped: true };
      if (controller.signal.reason instanceof StepTimeoutError) {
        return { ok: false, killed: false, error: { code: FailureCode.Timeout, message: controller.signal.reason.message }, recording };
      }
      return { ok: false, killed: false, error: { code: FailureCode.StepError, message: describe(error) }, recording };
    } finally {
      clearTimeout(timer);
      stopHeartbeat();
      active.endStep();
    }
  }

  private subagentAccess(depth: number): SubagentAccess {
    return { available: this.availableSubagents, depth, maxDepth: this.options.subagents.maxDepth };
  }
}

/** A custom agent's spawn of an unknown subagent, or beyond the maximum depth, fails its run clearly. */
const spawnProblem = (result: StepResult, access: SubagentAccess): string | null =>
  result.outcome === StepOutcome.AwaitChildren ? findSpawnProblem(result.spawn, access) : null;

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
