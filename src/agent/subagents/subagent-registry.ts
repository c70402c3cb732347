import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedSubagentOptions } from './subagent.options.js';
import { AgentRegistry } from '../executions/registry/agent-registry.js';
import { defineLlmAgent } from '../runtime/llm-agent.js';
import { subagentAgentType } from '../runtime/subagent-access.js';

/**
 * Registers every subagent spec as an LLM agent type (`subagent.<name>`) at boot, so children
 * run, show and cancel like any other execution. The options were validated already: a spec
 * without a model has `subagents.model`.
 */
@Injectable()
export class SubagentRegistry implements OnModuleInit {
  constructor(
    private readonly registry: AgentRegistry,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedSubagentOptions,
  ) {}

  onModuleInit(): void {
    const { specs, model } = this.options.subagents;
    specs.forEach((spec, index) => {
      const definition = defineLlmAgent({
        name: subagentAgentType(spec.name),
        description: spec.description,
        model: (spec.model ?? model)!,
        system: spec.systemPrompt,
        tools: spec.tools,
        limits: spec.limits,
        inputSchema: spec.inputSchema,
        outputSchema: spec.outputSchema,
        subagents: spec.subagents ?? false,
      });
      this.registry.register(definition, definition, `subagents.specs[${index}]`);
    });
  }
}
