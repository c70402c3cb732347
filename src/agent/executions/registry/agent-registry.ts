import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { isQueueName, type QueueName } from '../../infrastructure/queue-names.js';
import type { AgentLimits, AgentStepper, AgentTypeSettings } from '../../runtime/agent-definition.js';
import { hookTargetsProblem, type HookTarget } from '../../runtime/hook-target.js';

/** An agent type as the runner uses it: settings resolved against the module defaults. */
export interface RegisteredAgent {
  name: string;
  description?: string;
  queue: QueueName;
  limits: AgentLimits;
  chunkSize: number;
  /** Called for every execution of the type. */
  hooks: HookTarget[];
  stepper: AgentStepper;
}

export class AgentRegistrationError extends Error {}

@Injectable()
export class AgentRegistry {
  private readonly agents = new Map<string, RegisteredAgent>();

  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions) {}

  register(settings: AgentTypeSettings, stepper: AgentStepper, origin: string): void {
    const name = settings.name;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(name)) {
      throw new AgentRegistrationError(`${origin}: agent name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-'`);
    }
    if (this.agents.has(name)) {
      throw new AgentRegistrationError(`${origin}: agent type '${name}' is registered twice; agent type names must be unique`);
    }
    if (typeof stepper.step !== 'function') {
      throw new AgentRegistrationError(`${origin}: agent type '${name}' has no step(state, ctx) method`);
    }
    const queue = settings.queue ?? this.options.defaults.queue;
    if (!isQueueName(queue)) throw new AgentRegistrationError(`${origin}: agent type '${name}' names an unknown queue '${queue}'`);
    const limits = { ...this.options.defaults.limits, ...settings.limits };
    const chunkSize = settings.chunkSize ?? this.options.defaults.chunkSize;
    for (const [key, value] of Object.entries({ ...limits, chunkSize })) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new AgentRegistrationError(`${origin}: agent type '${name}': ${key} must be a positive integer`);
      }
    }
    const hooks = settings.hooks ?? [];
    const problem = hookTargetsProblem(hooks);
    if (problem) throw new AgentRegistrationError(`${origin}: agent type '${name}': ${problem}`);
    this.agents.set(name, { name, description: settings.description, queue, limits, chunkSize, hooks, stepper });
  }

  get(name: string): RegisteredAgent | undefined {
    return this.agents.get(name);
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }
}
