import type { JsonValue } from './json.js';

/** The tool an LLM agent with `subagents` enabled calls to spawn one (its calls end the step). */
export const SPAWN_SUBAGENT_TOOL = 'spawn_subagent';

/** A subagent as a spawning agent sees it: enough to decide whether it helps. */
export interface SubagentInfo {
  name: string;
  description: string;
}

/** What a step may spawn: the configured subagents, and how deep this execution already is. */
export interface SubagentAccess {
  readonly available: readonly SubagentInfo[];
  /** This execution's depth: a root execution is 0, its children 1. */
  readonly depth: number;
  /** Children deeper than this are refused (`options.subagents.maxDepth`). */
  readonly maxDepth: number;
}

/** Where the runtime is used without `AgentModule` (bare unit tests): nothing to spawn. */
export const NO_SUBAGENTS: SubagentAccess = { available: [], depth: 0, maxDepth: 0 };

/** One child a step asks for. */
export interface SpawnRequest {
  /** The subagent's name (`SubagentSpec.name`). */
  subagent: string;
  /** The child's input (an LLM subagent reads a string, or `input.prompt`, as its task). */
  input: JsonValue;
  /**
   * The tool call the child answers: its summary comes back as that call's tool result. Custom
   * agents may leave it out (the result then answers a call id made from the child's id).
   */
  toolCallId?: string;
}

/** The agent type each spec is registered as, so children run as ordinary executions. */
export const subagentAgentType = (name: string): string => `subagent.${name}`;

/** The subagents of `access` a spawner may use: all of them, or those named in its `allowed` list. */
export function allowedSubagents(access: SubagentAccess, allowed: true | readonly string[]): SubagentInfo[] {
  return access.available.filter((s) => allowed === true || allowed.includes(s.name));
}

/** Why spawning `name` from this execution is refused, or null when it is allowed. */
export function spawnRefusal(access: SubagentAccess, name: string, allowed: true | readonly string[] = true): string | null {
  if (access.depth + 1 > access.maxDepth) {
    return `Subagents cannot be spawned here: a child would be at depth ${access.depth + 1}, beyond the maximum depth ${access.maxDepth}`;
  }
  const usable = allowedSubagents(access, allowed);
  if (!usable.some((s) => s.name === name)) {
    const names = usable.map((s) => s.name);
    return `Unknown subagent '${name}' (available: ${names.length > 0 ? names.join(', ') : 'none'})`;
  }
  return null;
}

/** The first request of a spawn that may not be made from this execution, as a problem, or null. */
export function findSpawnProblem(requests: readonly SpawnRequest[], access: SubagentAccess): string | null {
  for (const request of requests) {
    const refusal = spawnRefusal(access, request.subagent);
    if (refusal) return `cannot spawn '${request.subagent}': ${refusal}`;
  }
  return null;
}
