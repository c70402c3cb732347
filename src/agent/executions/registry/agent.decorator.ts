import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { AGENT_METADATA } from './agent.constants.js';
import type { AgentTypeSettings } from '../../runtime/agent-definition.js';

/**
 * Marks a provider as a custom agent type. The class implements `step(state, ctx)` and, being a
 * Nest provider, can inject services. Register it in any module's `providers`.
 * @example
 * @Agent({ name: 'summarise', chunkSize: 10 })
 * export class SummariseAgent implements AgentStepper {
 *   constructor(private readonly docs: DocsService) {}
 *   async step(state: AgentState, ctx: StepContext) { ... return step.done(summary); }
 * }
 */
export const Agent = (settings: AgentTypeSettings): ClassDecorator => applyDecorators(Injectable(), SetMetadata(AGENT_METADATA, settings));
