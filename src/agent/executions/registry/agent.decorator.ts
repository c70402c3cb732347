import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { AGENT_METADATA } from './agent.constants.js';
import type { AgentStepper, AgentTypeSettings } from '../../runtime/agent-definition.js';
import type { JsonValue } from '../../runtime/json.js';

/**
 * Marks a provider as a custom agent type. The class implements `step(state, ctx)` and, being a
 * Nest provider, can inject services. Register it in any module's `providers`. With an
 * `inputSchema`, the class's `step` must take that schema's output as `state.input`.
 * @example
 * const SummariseInput = z.object({ url: z.url(), maxWords: z.number().int().default(100) });
 *
 * @Agent({ name: 'summarise', chunkSize: 10, inputSchema: SummariseInput })
 * export class SummariseAgent implements AgentStepper<AgentInput<typeof SummariseInput>> {
 *   constructor(private readonly docs: DocsService) {}
 *   async step(state: AgentState<AgentInput<typeof SummariseInput>>, ctx: StepContext) { ... return step.done(summary); }
 * }
 */
export const Agent =
  <TInput = JsonValue>(settings: AgentTypeSettings<TInput>) =>
  <T extends abstract new (...args: never[]) => AgentStepper<TInput>>(target: T): void => {
    applyDecorators(Injectable(), SetMetadata(AGENT_METADATA, settings))(target);
  };
