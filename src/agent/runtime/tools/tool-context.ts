import type { ToolSet } from 'ai';
import type { StepContext } from '../step-context.js';
import type { Workspace } from './workspace-handle.js';

/**
 * What an LLM agent's tools receive as `options.context` (AI SDK `toolsContext`): the step they
 * run in. Tools are defined once per agent type; the step (and its workspace) is per execution.
 *
 * @example
 * const whoAmI = tool({
 *   inputSchema: jsonSchema<Record<string, never>>({ type: 'object' }),
 *   execute: (_input, options) => stepContextOf(options).executionId,
 * });
 */
export type AgentToolContext = { step: StepContext };

/**
 * The `toolsContext` of one model call: every tool gets the step. A tool that declares its own
 * `contextSchema` is left alone (it would be validated against a context it did not ask for).
 */
export function toolsContextFor(tools: ToolSet | undefined, step: StepContext): Record<string, AgentToolContext> {
  const context: AgentToolContext = { step };
  return Object.fromEntries(Object.entries(tools ?? {}).flatMap(([name, t]) => (t.contextSchema ? [] : [[name, context]])));
}

/** The step a tool runs in; throws when the tool is called outside an agent step. */
export function stepContextOf(options: { context?: unknown }): StepContext {
  const step = (options.context as Partial<AgentToolContext> | undefined)?.step;
  if (!step) throw new Error('This tool runs inside an agent step (defineLlmAgent): no step context was passed to it');
  return step;
}

/** The step's workspace; throws (back to the model) when the step has none. */
export function workspaceOf(options: { context?: unknown }): Workspace {
  const { workspace } = stepContextOf(options);
  if (!workspace) throw new Error('No workspace in this step: workspace tools need AgentModule (its workspaces section)');
  return workspace;
}
