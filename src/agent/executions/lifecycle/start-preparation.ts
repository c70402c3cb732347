import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { BudgetService } from '../../billing/budget.service.js';
import { InputTooLargeError, UnknownAgentTypeError } from '../../errors/agent.errors.js';
import { InvalidRequestError } from '../../errors/rate-limited.error.js';
import type { JsonValue } from '../../runtime/json.js';
import type { Principal } from '../../tenancy/principal.js';
import { selectQueue } from '../../tenancy/queue-selection.js';
import { TierPolicies } from '../../tenancy/tier-policies.js';
import type { TierPolicy } from '../../tenancy/tier-policy.js';
import { WorkspaceService } from '../../workspaces/workspace.service.js';
import { ExecutionStatus } from '../execution-status.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import { AgentInputCheck } from '../registry/agent-input-check.js';
import type { ConcurrencyKey, StartOptions } from './start-options.js';
import type { NewExecution } from './start-admission.js';
import { assertStartHooks } from './start-hooks.js';

/** A start that passed its checks: the starter's tier and the row to admit. */
export interface PreparedStart {
  tier: TierPolicy & { name: string };
  row: NewExecution;
}

/**
 * The checks of a start before anything is written (a known agent type, an input within bounds that
 * its type's input schema accepts, room in the tenant's workspaces and budgets) and the choice of
 * its queue and first status.
 */
@Injectable()
export class StartPreparation {
  constructor(
    // NOTE: the hooks' SSRF switch is the hooks folder's option, a folder above the kernel's, so it is named by shape.
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions & { hooks: { allowPrivateTargets: boolean } },
    private readonly registry: AgentRegistry,
    private readonly inputs: AgentInputCheck,
    private readonly tiers: TierPolicies,
    private readonly workspaces: WorkspaceService,
    private readonly budgets: BudgetService,
  ) {}

  async prepare(principal: Principal, agentType: string, input: JsonValue, options: StartOptions): Promise<PreparedStart> {
    const prepared = await this.prepareItem(principal, agentType, input, options);
    await this.assertStarterHasRoom(principal, prepared.tier);
    return prepared;
  }

  /** The checks of the start itself (agent type, input, queue, hooks, waits), none about the starter's room. */
  async prepareItem(principal: Principal, agentType: string, input: JsonValue, options: StartOptions): Promise<PreparedStart> {
    const agent = this.registry.get(agentType);
    if (!agent) throw new UnknownAgentTypeError(agentType, this.registry.names());
    const bytes = Buffer.byteLength(JSON.stringify(input ?? null));
    if (bytes > this.options.api.maxInputBytes) throw new InputTooLargeError(bytes, this.options.api.maxInputBytes);
    // The agent type's inputSchema: 400 with the field errors (InvalidInputError); what it outputs is what is stored.
    const checkedInput = await this.inputs.parse(agentType, input);

    const tier = this.tiers.for(principal);
    const queue = selectQueue({
      explicit: options.queue,
      agentQueue: agent.queue,
      agentQueueIsDefault: agent.queue === this.options.defaults.queue,
      estimatedSteps: options.estimatedSteps,
      tier,
    });
    if (options.awaitEvent && options.runAt) throw new InvalidRequestError('Give run_at or await_event, not both');
    const hooks = [...agent.hooks, ...(options.hooks ?? [])];
    assertStartHooks(options.hooks ?? [], this.options.hooks.allowPrivateTargets);
    const concurrency = checkedConcurrency(options);
    // A keyed start waits its turn: `scheduled` with no time (no job) until `ConcurrencyKeys` releases it.
    const status = options.awaitEvent
      ? ExecutionStatus.AwaitingEvent
      : options.runAt || concurrency
        ? ExecutionStatus.Scheduled
        : ExecutionStatus.Pending;
    return {
      tier,
      row: {
        agentType,
        agentVersion: agent.version,
        queue,
        status,
        input: checkedInput,
        metadata: options.metadata ?? {},
        idempotencyKey: options.idempotencyKey ?? null,
        scheduledFor: options.runAt ?? null,
        awaitingEvent: options.awaitEvent?.eventType ?? null,
        waitSeconds: options.awaitEvent?.timeoutSeconds ?? null,
        concurrency,
        hooks,
      },
    };
  }

  /**
   * The starter's room, once for any number of its starts: the tenant's workspaces under the tier's
   * disk quota (413, `QuotaExceededError`) and the user's and tenant's monthly budgets (402,
   * `BudgetExceededError`), before anything is written.
   */
  async assertStarterHasRoom(principal: Principal, tier: PreparedStart['tier']): Promise<void> {
    await this.workspaces.assertStartAllowed(principal);
    await this.budgets.assertStartAllowed({ tenantId: principal.tenantId, userId: principal.userId, tier: tier.name });
  }
}

/** The largest concurrency limit a start may ask for. */
export const MAX_CONCURRENCY_LIMIT = 10_000;

/** A start's concurrency key, checked (the REST body is checked by its DTO; code calling `AgentManager` is checked here). */
function checkedConcurrency({ concurrency, runAt, awaitEvent }: StartOptions): ConcurrencyKey | null {
  if (!concurrency) return null;
  const { key, limit } = concurrency;
  if (typeof key !== 'string' || key.length === 0 || key.length > 200)
    throw new InvalidRequestError('concurrency.key must be 1-200 characters');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENCY_LIMIT) {
    throw new InvalidRequestError(`concurrency.limit must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT}`);
  }
  if (runAt || awaitEvent) throw new InvalidRequestError('A concurrency key cannot be combined with run_at or await_event');
  return { key, limit };
}
