import { jsonSchema, tool, type ToolResultPart, type ToolSet } from 'ai';
import type { AgentMessage } from './agent-state.js';
import type { JsonValue } from './json.js';
import type { StepLogger } from './step-context.js';
import { allowedSubagents, SPAWN_SUBAGENT_TOOL, spawnRefusal, type SpawnRequest, type SubagentAccess } from './subagent-access.js';
import { LogEventType } from './log-event-type.js';

/** Which subagents an LLM agent may spawn: none, all of them, or those named. */
export type SubagentsSetting = boolean | readonly string[];

const allowedBy = (setting: SubagentsSetting): true | readonly string[] => (setting === true ? true : setting === false ? [] : setting);

/**
 * The `spawn_subagent` tool of one step, described with the subagents this agent may use. It has
 * no `execute`: its calls are not run inside the step, they end it and become child executions.
 * Offered whenever the agent may use a configured subagent, even where the depth forbids it: the
 * call is then answered with the refusal, which tells the model why.
 */
export function spawnToolFor(setting: SubagentsSetting, access: SubagentAccess): ToolSet {
  const usable = allowedSubagents(access, allowedBy(setting));
  if (usable.length === 0) return {};
  const list = usable.map((s) => `- ${s.name}: ${s.description}`).join('\n');
  return {
    [SPAWN_SUBAGENT_TOOL]: tool({
      description:
        'Hand a task to a subagent that works on it on its own and reports back. Several calls in one answer run in parallel; ' +
        `their summaries come back as these calls' results once all of them are done. Subagents:\n${list}`,
      inputSchema: jsonSchema<{ name: string; task: string }>({
        type: 'object',
        properties: {
          name: { type: 'string', description: 'Which subagent (one of the names above)' },
          task: {
            type: 'string',
            description: 'What it should do: a self-contained instruction (it sees nothing else of this conversation)',
          },
        },
        required: ['name', 'task'],
        additionalProperties: false,
      }),
    }),
  };
}

/** A model's `spawn_subagent` call, as the SDK reports it. */
export interface SpawnCall {
  toolCallId: string;
  input: unknown;
}

export interface SpawnDecision {
  /** The children to start. */
  spawn: SpawnRequest[];
  /** One tool message answering the refused calls with their reason, or none. */
  refusals: AgentMessage[];
}

/**
 * Splits a step's spawn calls into children to start and refusals (unknown subagent, beyond the
 * maximum depth, no task). A refusal is answered at once, as the tool's error result, with a
 * warning log saying why; the step then carries on like after any other tool call.
 */
export function decideSpawns(
  calls: readonly SpawnCall[],
  setting: SubagentsSetting,
  access: SubagentAccess,
  log: StepLogger,
): SpawnDecision {
  const spawn: SpawnRequest[] = [];
  const refused: ToolResultPart[] = [];
  for (const call of calls) {
    const input = (typeof call.input === 'object' && call.input !== null ? call.input : {}) as { name?: unknown; task?: unknown };
    const name = typeof input.name === 'string' ? input.name : '';
    const refusal =
      spawnRefusal(access, name, allowedBy(setting)) ??
      (typeof input.task === 'string' && input.task.trim() !== '' ? null : 'spawn_subagent needs a task');
    if (refusal === null) {
      spawn.push({ subagent: name, input: input.task as string, toolCallId: call.toolCallId });
      continue;
    }
    log.warning(
      `Subagent '${name}' not spawned: ${refusal}`,
      { toolCallId: call.toolCallId, subagent: name, reason: refusal },
      LogEventType.SubagentRefused,
    );
    refused.push({
      type: 'tool-result',
      toolCallId: call.toolCallId,
      toolName: SPAWN_SUBAGENT_TOOL,
      output: { type: 'error-text', value: refusal },
    });
  }
  return { spawn, refusals: refused.length > 0 ? [{ role: 'tool', content: refused as unknown as JsonValue }] : [] };
}
