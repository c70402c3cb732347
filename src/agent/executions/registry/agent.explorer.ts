import { Injectable, OnModuleInit, Inject } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { AGENT_METADATA } from './agent.constants.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { AgentStepper, AgentTypeSettings } from '../../runtime/agent-definition.js';
import { AgentRegistry } from './agent-registry.js';

/** Fills the registry at boot: definitions from the options, then every `@Agent()` provider. */
@Injectable()
export class AgentExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly registry: AgentRegistry,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {}

  onModuleInit(): void {
    this.options.agents.forEach((definition, index) => this.registry.register(definition, definition, `options.agents[${index}]`));
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const settings = this.reflector.get<AgentTypeSettings | undefined>(AGENT_METADATA, metatype);
      if (!settings) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(`@Agent() ${metatype.name} must be a singleton provider (not request- or transient-scoped)`);
      }
      this.registry.register(settings, instance as AgentStepper, `@Agent() ${metatype.name}`);
    }
  }
}
