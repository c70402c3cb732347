import { stepCountIs, streamText, type LanguageModel, type ModelMessage, type ToolSet } from 'ai';
import { abortable } from './abortable.js';
import type { AgentDefinition, AgentTypeSettings } from './agent-definition.js';
import type { AgentMessage, AgentState } from './agent-state.js';
import type { JsonValue } from './json.js';
import { decideSpawns, spawnToolFor, type SubagentsSetting } from './llm-spawn.js';
import type { StepContext } from './step-context.js';
import { step, type StepResult } from './step-result.js';
import { SPAWN_SUBAGENT_TOOL } from './subagent-access.js';
import { toolsContextFor } from './tools/tool-context.js';
import { context, type Context, type Span } from '@opentelemetry/api';
import { executionAttributes, inSpan, SpanName, traceToolCalls } from './tracing.js';
import { LogEventType } from './log-event-type.js';

export interface LlmAgentSettings extends AgentTypeSettings {
  /** A model, or a factory called at each step (so credentials and config are read at run time). */
  model: LanguageModel | (() => LanguageModel);
  system: string;
  /** Tools need an `execute`: they run inside the step that called them. */
  tools?: ToolSet;
  maxOutputTokens?: number;
  temperature?: number;
  /**
   * Lets the model spawn subagents (`options.subagents.specs`) with a `spawn_subagent({ name, task })`
   * tool: `true` for all of them, or the names it may use. Spawning ends the step; the run waits,
   * holding no worker, until every child ended, and gets each child's summary as that call's result.
   */
  subagents?: SubagentsSetting;
}

/**
 * An agent whose every step is exactly one model call. Tool calls are executed within that step
 * and the step continues; an answer without tool calls finishes the run with the answer's text.
 * The runner owns the loop, so each model call is a durable, resumable step.
 *
 * @example
 * const assistant = defineLlmAgent({
 *   name: 'code-assistant',
 *   model: () => createOpenAiCompatibleModel({ baseURL: config.llmUrl, model: 'gpt-4o-mini' }),
 *   system: 'You help with code. Use the tools to look at files.',
 *   tools: { list_files: tool({ inputSchema: z.object({ dir: z.string() }), execute: ({ dir }) => readdir(dir) }) },
 * });
 */
export function defineLlmAgent(settings: LlmAgentSettings): AgentDefinition {
  const { model, system, tools, maxOutputTokens, temperature, subagents = false, ...typeSettings } = settings;
  return {
    ...typeSettings,
    step: async (state, ctx) => {
      // Checked before any work starts: on a dead signal `abortable` rejects without handling the work's own rejection.
      ctx.signal.throwIfAborted();
      const resolved = typeof model === 'function' ? model() : model;
      // The SDK ends an aborted stream quietly; `abortable` makes the step reject the moment the signal fires.
      return abortable(callModelOnce(state, ctx, { model: resolved, system, tools, maxOutputTokens, temperature, subagents }), ctx.signal);
    },
  };
}

type CallSettings = Omit<LlmAgentSettings, keyof AgentTypeSettings | 'model'> & { model: LanguageModel };

async function callModelOnce(state: AgentState, ctx: StepContext, settings: CallSettings): Promise<StepResult> {
  const modelId = typeof settings.model === 'string' ? settings.model : settings.model.modelId;
  // The step's span: tool calls hang under it, beside the model call.
  const stepSpan = context.active();
  return inSpan(SpanName.ModelCall, { ...executionAttributes(ctx), 'agent.model': modelId, 'agent.step_number': ctx.stepNumber }, (span) =>
    streamOnce(state, ctx, settings, modelId, stepSpan, span),
  );
}

async function streamOnce(
  state: AgentState,
  ctx: StepContext,
  settings: CallSettings,
  modelId: string,
  stepSpan: Context,
  span: Span,
): Promise<StepResult> {
  // The first step turns the run's input into the user message; it is committed with this step.
  const opening: AgentMessage[] = state.messages.length === 0 ? [{ role: 'user', content: promptFromInput(state.input) }] : [];
  const history = [...state.messages, ...opening];
  ctx.log.debug(`Calling model ${modelId}`, { model: modelId, messages: history.length }, LogEventType.ModelCalled);

  const spawnTool = spawnToolFor(settings.subagents ?? false, ctx.subagents);

  const result = streamText({
    model: settings.model,
    instructions: settings.system,
    messages: history.map(toModelMessage),
    allowSystemInMessages: true,
    tools: { ...traceToolCalls(settings.tools, stepSpan, executionAttributes(ctx)), ...spawnTool },
    // Tools are defined once per type; each call hands them this step (its ids, log, workspace) as `options.context`.
    // NOTE: cast because the SDK infers a plain `ToolSet` as declaring no context; at run time it is passed through.
    toolsContext: toolsContextFor(settings.tools, ctx) as never,
    maxOutputTokens: settings.maxOutputTokens,
    temperature: settings.temperature,
    abortSignal: ctx.signal,
    // One model call per durable step: the runner, not the SDK, loops.
    stopWhen: stepCountIs(1),
    // Errors are rethrown from the stream below and fail the step; the SDK's console logging is noise.
    onError: () => {},
  });

  for await (const part of result.stream) {
    switch (part.type) {
      case 'text-delta':
        ctx.emitToken(part.text);
        break;
      case 'tool-call':
        ctx.log.info(
          `Calling tool ${part.toolName}`,
          { toolName: part.toolName, toolCallId: part.toolCallId, input: toJson(part.input) },
          LogEventType.ToolCalled,
        );
        break;
      case 'tool-result':
        ctx.log.info(
          `Tool ${part.toolName} completed`,
          // The output goes with it so a chat stream rebuilt from the logs can show it (SPEC §17).
          { toolName: part.toolName, toolCallId: part.toolCallId, ok: true, output: toJson(part.output) },
          LogEventType.ToolCompleted,
        );
        break;
      case 'tool-error':
        // The error goes back to the model as the tool's result; the step itself carries on.
        ctx.log.warning(
          `Tool ${part.toolName} failed`,
          { toolName: part.toolName, toolCallId: part.toolCallId, ok: false, error: errorText(part.error) },
          LogEventType.ToolCompleted,
        );
        break;
      case 'error':
        throw part.error;
      case 'abort':
        throw ctx.signal.reason ?? new Error('The model call was aborted');
    }
  }

  const [final, responseMessages] = await Promise.all([result.finalStep, result.responseMessages]);
  ctx.recordUsage({ model: final.model.modelId, inputTokens: final.usage.inputTokens ?? 0, outputTokens: final.usage.outputTokens ?? 0 });
  span.setAttributes({
    'agent.input_tokens': final.usage.inputTokens ?? 0,
    'agent.output_tokens': final.usage.outputTokens ?? 0,
    'agent.tool_calls': final.toolCalls.length,
  });
  const responded = [...opening, ...responseMessages.map(toAgentMessage)];

  if (final.toolCalls.length === 0) return step.done(final.text, { messages: responded, stepType: 'model' });

  const answered = new Set(
    responseMessages.flatMap((m) => (m.role === 'tool' ? m.content.map((p) => ('toolCallId' in p ? p.toolCallId : '')) : [])),
  );
  const isSpawn = (c: { toolName: string }) => c.toolName === SPAWN_SUBAGENT_TOOL && SPAWN_SUBAGENT_TOOL in spawnTool;
  const unanswered = final.toolCalls.filter((c) => !answered.has(c.toolCallId) && !isSpawn(c)).map((c) => c.toolName);
  if (unanswered.length > 0) {
    // Without a result the next model call would be rejected by the provider; fail here, clearly.
    throw new Error(`Tool(s) ${unanswered.join(', ')} produced no result: LLM agent tools need an execute function`);
  }
  // Spawn calls are not run here: allowed ones end the step as children, refused ones are answered at once.
  const spawnCalls = final.toolCalls.filter((c) => isSpawn(c) && !answered.has(c.toolCallId));
  const { spawn, refusals } = decideSpawns(spawnCalls, settings.subagents ?? false, ctx.subagents, ctx.log);
  const messages = [...responded, ...refusals];
  const toolNames = [...new Set(final.toolCalls.map((c) => c.toolName))];
  if (spawn.length > 0) return step.spawn(spawn, { messages, stepType: 'spawn', toolNames });
  return step.continue({ messages, stepType: 'tool', toolNames });
}

/** `input.prompt` when the input has one, the input itself when it is a string, else its JSON. */
function promptFromInput(input: JsonValue): string {
  if (typeof input === 'string') return input;
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && typeof input.prompt === 'string') return input.prompt;
  return JSON.stringify(input);
}

/** Stores the SDK message's content as plain JSON (drops `undefined` fields) so it survives a checkpoint. */
const toAgentMessage = (message: ModelMessage): AgentMessage => ({ role: message.role, content: toJson(message.content) });

// The content was produced by the SDK (or is a plain string), so it has the SDK's shape already.
const toModelMessage = (message: AgentMessage): ModelMessage => ({ role: message.role, content: message.content }) as ModelMessage;

const toJson = (value: unknown): JsonValue => (value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue));

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
