import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { LanguageModel, ToolSet } from 'ai';
import type { AgentLimits } from './agent-definition.js';

/**
 * A kind of subagent an agent may spawn (SPEC §11). Each runs as an execution of its own, an LLM
 * agent with this system prompt and these tools.
 */
export interface SubagentSpec {
  /** How agents ask for it (`spawn_subagent({ name })`): letters, digits, `-` and `_`. */
  name: string;
  /** Shown to the spawning model, so it knows when this subagent helps. */
  description: string;
  systemPrompt: string;
  tools?: ToolSet;
  /** Its model; default `subagents.model`. */
  model?: LanguageModel | (() => LanguageModel);
  limits?: Partial<AgentLimits>;
  /** The input a spawn must give it (Standard Schema); a spawn it rejects fails the spawning run. Default any. */
  inputSchema?: StandardSchemaV1;
  /** The shape of its final answer (JSON, checked like an LLM agent's `outputSchema`); its summary is that JSON. */
  outputSchema?: StandardSchemaV1;
  /** Whether it may spawn subagents in turn (`true`, or the names it may use), within `subagents.maxDepth`. Default none. */
  subagents?: boolean | readonly string[];
}
