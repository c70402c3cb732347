import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { totalTokens } from '../../runtime/agent-state.js';
import { sumUsage } from '../../runtime/step-recorder.js';
import { nextStateAfter } from '../../runtime/step-transition.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import type { ActiveExecution } from './active-executions.js';
import { ExecutionStore } from './execution-store.js';
import type { Lease } from './lease.js';
import { requestedStop } from './requested-stop.js';
import { RunCommits } from './run-commits.js';
import { RunEndings } from './run-endings.js';
import { RunOutcome } from './run-outcome.js';
import { initialState, stateAfterStep } from './run-state.js';
import { childRows, completedStep, stepCommitRequest } from './step-commit-request.js';
import { StepExecutor } from './step-executor.js';

/**
 * The chunk loop (DESIGN.md): run steps, commit each with its transition in one statement, publish
 * after commit, stop when done, parked, paused, cancelled, out of chunk, or no longer ours.
 */
@Injectable()
export class StepLoop {
  private draining = false;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly store: ExecutionStore,
    private readonly executor: StepExecutor,
    private readonly commits: RunCommits,
    private readonly endings: RunEndings,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {}

  /** Shutdown: running executions checkpoint at their next step boundary and hand over. */
  drain(): void {
    this.draining = true;
  }

  /**
   * The steps of one job, on a lease this runner holds.
   *
   * NOTE: the hot path. One step is one commit round trip, its events published right after it;
   * without a budget nothing else is awaited, so the next step begins in the same turn as the commit.
   */
  async run(lease: Lease, active: ActiveExecution): Promise<RunOutcome> {
    const agent = this.registry.get(lease.agentType, lease.agentVersion);
    if (!agent) return this.endings.versionMissing(lease, active, this.registry.versions(lease.agentType));
    const hasHistory = lease.messageCount > 0 || lease.conversationId;
    const history = lease.history ?? (hasHistory ? await this.store.loadMessages(lease.executionId, lease.conversationId) : []);
    let state = initialState(lease, history);
    const deadline = lease.startedAt.getTime() + agent.limits.timeoutSeconds * 1000;
    let pendingSignals = lease.pendingSignals;

    for (let stepsThisJob = 1; ; stepsThisJob++) {
      const stop = requestedStop(pendingSignals, active.requested);
      if (stop) return this.endings.stop(lease, active, state.stepCount, stop);
      if (this.draining) return this.endings.handOver(lease, active, state.stepCount);

      const stepNumber = state.stepCount + 1;
      const exhausted = active.budget!.applies ? await active.budget!.reserve() : null;
      if (exhausted) return this.endings.budgetExceeded(lease, active, state.stepCount, exhausted);
      const attempt = await this.executor.attempt(agent, lease, active, state, stepNumber, deadline);
      if (!attempt.ok && attempt.killed) return RunOutcome.Killed; // already `cancelled` in the row; nothing of the step lands
      if (!attempt.ok && 'stopped' in attempt) continue; // the pause or cancel lands at the boundary before it
      if (!attempt.ok) return this.endings.stepFailed(lease, active, agent, stepNumber, attempt);

      const usage = sumUsage(attempt.recording.usage);
      const progress = { stepCount: stepNumber, totalTokens: totalTokens(state.usage) + totalTokens(usage), stepsThisJob };
      const next = nextStateAfter(attempt.result, progress, agent.limits, agent.chunkSize);
      const step = completedStep(attempt.result, stepNumber, usage);
      const billing = active.budget!.billing(attempt.recording.usage);
      const request = stepCommitRequest(lease, step, attempt, usage, next, billing, this.options.lifecycle.inputTimeoutSeconds);
      // A spawning step commits with its children, in one transaction: all of it, or (lease lost) none of it.
      const children = next.kind === 'awaiting_children' ? childRows(lease, stepNumber, next.spawn) : null;
      const spawned = children ? await this.store.commitSpawning(request, children) : null;
      const committed = spawned ? spawned.committed : await this.store.commit(request);
      if (!committed) return this.commits.leaseLost(lease, stepNumber, active);
      active.budget!.committed();
      this.commits.publishStep(lease, active, committed, step);
      if (next.kind !== 'continue') return this.endings.afterLastStep(lease, next, committed, spawned?.children ?? [], request.waitSeconds);

      pendingSignals = committed.pendingSignals;
      state = stateAfterStep(state, attempt.result, request.messages, stepNumber, usage);
    }
  }
}
