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
import { reuseReceipts } from './tools/tool-receipts.js';
import { context, type Context, type Span } from '@opentelemetry/api';
import { executionAttributes, inSpan, SpanName, traceToolCalls } from './tracing.js';
import { LogEventType } from './log-event-type.js';
import { checkMcpServers, type McpServers } from './mcp/mcp-server.js';
import { mcpToolsForStep } from './mcp/mcp-step-tools.js';
import { parseJsonAnswer, structuredOutputFor } from './schemas/structured-answer.js';
import type { ApprovalRequest } from './tool-approval.js';

export interface LlmAgentSettings extends AgentTypeSettings<unknown> {
  /** A model, or a factory called at each step (so credentials and config are read at run time). */
  model: LanguageModel | (() => LanguageModel);
  system: string;
  /**
   * Tools need an `execute`: they run inside the step that called them. A tool with the AI SDK's
   * `needsApproval` does not run at once: the step parks the run (`awaiting_input`, no worker held)
   * with the call pending, and the step after the decision runs it (approved) or hands the model
   * the denial as the tool's result (denied).
   */
  tools?: ToolSet;
  maxOutputTokens?: number;
  temperature?: number;
  /**
   * Lets the model spawn subagents (`options.subagents.specs`) with a `spawn_subagent({ name, task })`
   * tool: `true` for all of them, or the names it may use. Spawning ends the step; the run waits,
   * holding no worker, until every child ended, and gets each child's summary as that call's result.
   */
  subagents?: SubagentsSetting;
  /**
   * MCP servers whose tools the model may call, by name: `{ command, args?, env? }` (stdio, started
   * by the worker) or `{ url, headers? }` (streamable HTTP). Each is opened on its first use on a
   * worker, shared by every later step there, and closed with the app. Their tools are offered as
   * `<server>__<tool>` (see `toolPrefix`); a tool of `tools` with the same name wins.
   */
  mcpServers?: McpServers;
}

/** What `callModelOnce` needs of the output schema: whether to parse the answer, and what to ask the model for. */
interface AnswerShape {
  json: boolean;
  output: ReturnType<typeof structuredOutputFor>;
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
  const { model, system, tools, maxOutputTokens, temperature, subagents = false, mcpServers, ...typeSettings } = settings;
  if (mcpServers) checkMcpServers(settings.name, mcpServers);
  const answer: AnswerShape = {
    json: typeSettings.outputSchema !== undefined || typeSettings.outputJsonSchema !== undefined,
    output: structuredOutputFor(typeSettings.outputSchema, typeSettings.outputJsonSchema),
  };
  return {
    // NOTE: whatever the input schema outputs, the model reads it as a prompt (`input.prompt`, a string, or its JSON).
    ...(typeSettings as AgentTypeSettings),
    step: async (state, ctx) => {
      // Checked before any work starts: on a dead signal `abortable` rejects without handling the work's own rejection.
      ctx.signal.throwIfAborted();
      const resolved = typeof model === 'function' ? model() : model;
      // The SDK ends an aborted stream quietly; `abortable` makes the step reject the moment the signal fires.
      return abortable(
        callModelOnce(state, ctx, { model: resolved, system, tools, maxOutputTokens, temperature, subagents, mcpServers, answer }),
        ctx.signal,
      );
    },
  };
}

type CallSettings = Omit<LlmAgentSettings, keyof AgentTypeSettings | 'model'> & { model: LanguageModel; answer: AnswerShape };

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
  const offered: ToolSet = { ...(settings.mcpServers ? await mcpToolsForStep(ctx, settings.mcpServers) : {}), ...settings.tools };
  // A retried step answers the calls an earlier attempt completed from their committed results: no side effect twice.
  const tools = reuseReceipts(offered, ctx.receipts, (receipt) =>
    ctx.log.info(`Tool ${receipt.toolName} answered from an earlier attempt`, { toolName: receipt.toolName }, LogEventType.ToolReused),
  );

  const calledAt = ctx.elapsedMs();
  const result = streamText({
    model: settings.model,
    instructions: settings.system,
    messages: joinToolMessages(history.map(toModelMessage)),
    allowSystemInMessages: true,
    tools: { ...traceToolCalls(tools, stepSpan, executionAttributes(ctx)), ...spawnTool },
    // Tools are defined once per type; each call hands them this step (its ids, log, workspace) as `options.context`.
    // NOTE: cast because the SDK infers a plain `ToolSet` as declaring no context; at run time it is passed through.
    toolsContext: toolsContextFor(tools, ctx) as never,
    maxOutputTokens: settings.maxOutputTokens,
    temperature: settings.temperature,
    ...(settings.answer.output ? { output: settings.answer.output } : {}),
    abortSignal: ctx.signal,
    // A provider's 429 or 5xx fails the step at once and the runner retries it durably (backoff with no worker held).
    maxRetries: 0,
    // One model call per durable step: the runner, not the SDK, loops.
    stopWhen: stepCountIs(1),
    // Errors are rethrown from the stream below and fail the step; the SDK's console logging is noise.
    onError: () => {},
  });

  let failure: { error: unknown } | undefined;
  const approvals: ApprovalRequest[] = [];
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
          // Input and output make the row a receipt (a retry of this step reuses the result) and let a chat stream rebuilt from the logs show it.
          { toolName: part.toolName, toolCallId: part.toolCallId, ok: true, input: toJson(part.input), output: toJson(part.output) },
          LogEventType.ToolCompleted,
        );
        break;
      case 'tool-approval-request': {
        // Decided by the SDK itself (its `toolApproval` settings): nothing for a person to do.
        if (part.isAutomatic) break;
        const request = {
          approvalId: part.approvalId,
          toolCallId: part.toolCall.toolCallId,
          toolName: part.toolCall.toolName,
          input: toJson(part.toolCall.input),
        };
        approvals.push(request);
        ctx.log.info(`Tool ${request.toolName} awaits approval`, { ...request }, LogEventType.ToolApprovalRequested);
        break;
      }
      case 'tool-output-denied':
        // A denial from the history: the model gets it as this call's result.
        ctx.log.info(
          `Tool ${part.toolName} was denied`,
          { toolName: part.toolName, toolCallId: part.toolCallId, ok: false, denied: true },
          LogEventType.ToolCompleted,
        );
        break;
      case 'tool-error':
        // The error goes back to the model as the tool's result; the step itself carries on.
        ctx.log.warning(
          `Tool ${part.toolName} failed: ${errorText(part.error)}`,
          { toolName: part.toolName, toolCallId: part.toolCallId, ok: false, error: errorText(part.error) },
          LogEventType.ToolCompleted,
        );
        break;
      case 'error':
        // Read on: tools already running still end and log their results (the receipts a retry of this step reuses).
        failure ??= { error: part.error };
        break;
      case 'abort':
        throw ctx.signal.reason ?? new Error('The model call was aborted');
    }
  }
  if (failure) {
    ctx.log.debug(
      `Model ${modelId} failed: ${errorText(failure.error)}`,
      { model: modelId, offset_ms: calledAt, duration_ms: ctx.elapsedMs() - calledAt, ok: false, error: errorText(failure.error) },
      LogEventType.ModelCompleted,
    );
    throw failure.error;
  }

  const [final, responseMessages] = await Promise.all([result.finalStep, result.responseMessages]);
  ctx.recordUsage({ model: final.model.modelId, inputTokens: final.usage.inputTokens ?? 0, outputTokens: final.usage.outputTokens ?? 0 });
  // The call's timing for the run's timeline, committed with the step like every row it wrote.
  ctx.log.debug(
    `Model ${final.model.modelId} answered`,
    {
      model: final.model.modelId,
      offset_ms: calledAt,
      duration_ms: ctx.elapsedMs() - calledAt,
      input_tokens: final.usage.inputTokens ?? 0,
      output_tokens: final.usage.outputTokens ?? 0,
      ok: true,
    },
    LogEventType.ModelCompleted,
  );
  span.setAttributes({
    'agent.input_tokens': final.usage.inputTokens ?? 0,
    'agent.output_tokens': final.usage.outputTokens ?? 0,
    'agent.tool_calls': final.toolCalls.length,
  });
  const responded = [...opening, ...responseMessages.map(toAgentMessage)];

  if (final.toolCalls.length === 0) {
    // With an output schema the answer is JSON; the runner checks it against the schema (a mismatch fails the run).
    const output = settings.answer.json ? parseJsonAnswer(final.text) : final.text;
    return step.done(output, { messages: responded, stepType: 'model' });
  }

  const answered = new Set(
    responseMessages.flatMap((m) => (m.role === 'tool' ? m.content.map((p) => ('toolCallId' in p ? p.toolCallId : '')) : [])),
  );
  const isSpawn = (c: { toolName: string }) => c.toolName === SPAWN_SUBAGENT_TOOL && SPAWN_SUBAGENT_TOOL in spawnTool;
  const awaitingApproval = new Set(approvals.map((a) => a.toolCallId));
  const unanswered = final.toolCalls
    .filter((c) => !answered.has(c.toolCallId) && !isSpawn(c) && !awaitingApproval.has(c.toolCallId))
    .map((c) => c.toolName);
  if (unanswered.length > 0) {
    // Without a result the next model call would be rejected by the provider; fail here, clearly.
    throw new Error(`Tool(s) ${unanswered.join(', ')} produced no result: LLM agent tools need an execute function`);
  }
  // Spawn calls are not run here: allowed ones end the step as children, refused ones are answered at once.
  const spawnCalls = final.toolCalls.filter((c) => isSpawn(c) && !answered.has(c.toolCallId));
  const toolNames = [...new Set(final.toolCalls.map((c) => c.toolName))];
  if (approvals.length > 0) {
    // One wait at a time: spawns asked beside a call that awaits approval are answered, and may be asked again.
    const deferred = spawnCalls.length > 0 ? [deferredSpawns(spawnCalls)] : [];
    return step.awaitApproval(approvals, { messages: [...responded, ...deferred], stepType: 'tool', toolNames });
  }
  const { spawn, refusals } = decideSpawns(spawnCalls, settings.subagents ?? false, ctx.subagents, ctx.log);
  const messages = [...responded, ...refusals];
  if (spawn.length > 0) return step.spawn(spawn, { messages, stepType: 'spawn', toolNames });
  return step.continue({ messages, stepType: 'tool', toolNames });
}

/**
 * Tool messages that follow each other become one: each approval decision is appended as a tool
 * message of its own, and the SDK reads the decisions (and the results beside them) from the last
 * message only.
 */
function joinToolMessages(messages: ModelMessage[]): ModelMessage[] {
  const joined: ModelMessage[] = [];
  for (const message of messages) {
    const previous = joined.at(-1);
    if (message.role === 'tool' && previous?.role === 'tool') {
      joined[joined.length - 1] = { ...previous, content: [...previous.content, ...message.content] };
    } else {
      joined.push(message);
    }
  }
  return joined;
}

/** Answers spawn calls made beside a call that awaits approval: not started, the model may ask again. */
function deferredSpawns(calls: ReadonlyArray<{ toolCallId: string; toolName: string }>): AgentMessage {
  const reason = 'Not started: another call of the same answer awaits approval. Ask again once it is decided.';
  return {
    role: 'tool',
    content: calls.map((c) => ({
      type: 'tool-result',
      toolCallId: c.toolCallId,
      toolName: c.toolName,
      output: { type: 'error-text', value: reason },
    })),
  };
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
