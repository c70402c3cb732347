import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FunctionTool,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { JsonObject, JsonValue } from './json.js';

/** What the scripted model answers in one call: plain text, or tool calls (with optional text before them). */
export type ScriptedTurn = (
  { text: string; toolCalls?: undefined } | { toolCalls: Array<{ toolName: string; input: JsonValue }>; text?: string }
) & {
  /** Overrides the computed token counts (either or both). */
  usage?: Partial<{ inputTokens: number; outputTokens: number }>;
};

/** What a script sees of one model call, pre-digested so scripts stay one-liners. */
export interface ScriptedCall {
  prompt: LanguageModelV4Prompt;
  /** Function tools offered in this call (none when `toolChoice` is `none`). */
  tools: LanguageModelV4FunctionTool[];
  /** Text of the last user message, '' if there is none. */
  lastUserText: string;
  /** Tool results that arrived after the last user message, oldest first. */
  toolResults: Array<{ toolName: string; output: unknown }>;
}

/**
 * Decides a turn. `turnIndex` is the number of assistant messages already in the prompt, so the
 * answer depends on the conversation only (a resumed run in a fresh process gets the same answers).
 */
export type Script = (call: ScriptedCall, turnIndex: number) => ScriptedTurn | Promise<ScriptedTurn>;

export interface ScriptedModelOptions {
  modelId?: string;
  script?: Script;
  /** Pause before each streamed chunk (and once in `doGenerate`), to make streaming and aborts observable. */
  chunkDelayMs?: number;
  /** Pause before the first streamed chunk of each call instead of `chunkDelayMs` (a model's time to first token). */
  firstChunkDelayMs?: number;
}

/**
 * A deterministic, offline language model for demos and tests. With the default script it calls
 * the most relevant tool once (arguments derived from the last user message), then answers with a
 * summary of the tool's result. Token usage is characters / 4, rounded up.
 *
 * @example
 * const model = createScriptedModel({ script: (_call, turn) => (turn === 0 ? { toolCalls: [{ toolName: 'add', input: { a: 1, b: 2 } }] } : { text: 'It is 3' }) });
 * const { text } = await generateText({ model, prompt: 'What is 1 + 2?', tools, stopWhen: isStepCount(2) });
 */
export function createScriptedModel(options: ScriptedModelOptions = {}): LanguageModelV4 {
  const { modelId = 'scripted', script = defaultScript, chunkDelayMs = 0, firstChunkDelayMs = chunkDelayMs } = options;

  const decide = async (call: LanguageModelV4CallOptions) => {
    call.abortSignal?.throwIfAborted();
    const turnIndex = countAssistantTurns(call.prompt);
    const turn = await script(digest(call), turnIndex);
    return { turn, usage: usageOf(call.prompt, turn), turnId: `${turnIndex}` };
  };

  return {
    specificationVersion: 'v4',
    provider: 'scripted',
    modelId,
    supportedUrls: {},

    async doGenerate(call) {
      const { turn, usage, turnId } = await decide(call);
      await pause(chunkDelayMs, call.abortSignal);
      const content: LanguageModelV4Content[] = [];
      if (turn.text) content.push({ type: 'text', text: turn.text });
      (turn.toolCalls ?? []).forEach((toolCall, i) => {
        content.push({
          type: 'tool-call',
          toolCallId: `call_${turnId}_${i}`,
          toolName: toolCall.toolName,
          input: JSON.stringify(toolCall.input),
        });
      });
      return { content, finishReason: finishReasonOf(turn), usage, warnings: [], response: { modelId } };
    },

    async doStream(call) {
      const { turn, usage, turnId } = await decide(call);
      const parts = streamParts(turn, usage, turnId, modelId);
      let next = 0;
      let paced = 0;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        async pull(controller) {
          const part = parts[next++];
          try {
            // Only content is paced; an abort between chunks errors the stream at once.
            if (part.type === 'text-delta' || part.type === 'tool-call')
              await pause(paced++ === 0 ? firstChunkDelayMs : chunkDelayMs, call.abortSignal);
            else call.abortSignal?.throwIfAborted();
          } catch (reason) {
            controller.error(reason);
            return;
          }
          controller.enqueue(part);
          if (next === parts.length) controller.close();
        },
      });
      return { stream };
    },
  };
}

/** Calls the tool the user seems to ask for (or the first one) once, then summarises what it returned. */
export const defaultScript: Script = (call) => {
  if (call.toolResults.length > 0) {
    const summaries = call.toolResults.map((r) => `${r.toolName} returned ${truncate(describe(r.output), 200)}`);
    return { text: `Here is what I found: ${summaries.join('; ')}.` };
  }
  if (call.tools.length > 0) {
    const tool = pickTool(call.tools, call.lastUserText);
    return { toolCalls: [{ toolName: tool.name, input: argumentsFor(tool.inputSchema, call.lastUserText) }] };
  }
  return { text: `You asked: "${truncate(call.lastUserText, 200)}". This is a scripted answer.` };
};

function digest(call: LanguageModelV4CallOptions): ScriptedCall {
  const tools =
    call.toolChoice?.type === 'none' ? [] : (call.tools ?? []).filter((t): t is LanguageModelV4FunctionTool => t.type === 'function');
  const lastUser = call.prompt.findLastIndex((m) => m.role === 'user');
  const userMessage = call.prompt[lastUser];
  const lastUserText = userMessage?.role === 'user' ? userMessage.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : '';
  const toolResults: ScriptedCall['toolResults'] = [];
  for (const message of call.prompt.slice(lastUser + 1)) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type === 'tool-result')
        toolResults.push({ toolName: part.toolName, output: 'value' in part.output ? part.output.value : part.output });
    }
  }
  return { prompt: call.prompt, tools, lastUserText, toolResults };
}

const countAssistantTurns = (prompt: LanguageModelV4Prompt) => prompt.filter((m) => m.role === 'assistant').length;

/** A tool whose name's words all appear in the request (`list_files` for "list the files"), else the first. */
function pickTool(tools: LanguageModelV4FunctionTool[], text: string): LanguageModelV4FunctionTool {
  const lower = text.toLowerCase();
  return (
    tools.find((t) =>
      t.name
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean)
        .every((word) => lower.includes(word)),
    ) ?? tools[0]
  );
}

/** The little of JSON Schema the default script reads (the SDK's `JSONSchema7` is untyped without @types/json-schema). */
interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
}

/** Fills every declared property by its type, from the request text: good enough for demo tools. */
function argumentsFor(schema: unknown, text: string): JsonObject {
  const input: JsonObject = {};
  const properties = (schema as { properties?: Record<string, PropertySchema | boolean> } | undefined)?.properties ?? {};
  for (const [key, definition] of Object.entries(properties)) {
    if (typeof definition === 'boolean') continue;
    const type = Array.isArray(definition.type) ? definition.type[0] : definition.type;
    const firstEnum = definition.enum?.[0];
    if (firstEnum !== undefined) input[key] = firstEnum as JsonValue;
    else if (type === 'number' || type === 'integer') input[key] = Number(text.match(/-?\d+(\.\d+)?/)?.[0] ?? 0);
    else if (type === 'boolean') input[key] = false;
    else if (type === 'array') input[key] = [];
    else if (type === 'object') input[key] = {};
    else input[key] = text;
  }
  return input;
}

function usageOf(prompt: LanguageModelV4Prompt, turn: ScriptedTurn): LanguageModelV4Usage {
  const outputChars =
    (turn.text ?? '').length + (turn.toolCalls ?? []).reduce((n, c) => n + c.toolName.length + JSON.stringify(c.input).length, 0);
  const input = turn.usage?.inputTokens ?? Math.ceil(promptChars(prompt) / 4);
  const output = turn.usage?.outputTokens ?? Math.ceil(outputChars / 4);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

/** Characters of everything the model "reads": system text, text parts, tool inputs and results. */
function promptChars(prompt: LanguageModelV4Prompt): number {
  let chars = 0;
  for (const message of prompt) {
    if (typeof message.content === 'string') {
      chars += message.content.length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') chars += part.text.length;
      else if (part.type === 'tool-call') chars += JSON.stringify(part.input ?? null).length;
      else if (part.type === 'tool-result') chars += JSON.stringify(part.output).length;
    }
  }
  return chars;
}

const finishReasonOf = (turn: ScriptedTurn) =>
  turn.toolCalls?.length ? { unified: 'tool-calls' as const, raw: 'tool_calls' } : { unified: 'stop' as const, raw: 'stop' };

function streamParts(turn: ScriptedTurn, usage: LanguageModelV4Usage, turnId: string, modelId: string): LanguageModelV4StreamPart[] {
  const parts: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', modelId },
  ];
  if (turn.text) {
    const id = `text_${turnId}`;
    parts.push({ type: 'text-start', id });
    // Split after each whitespace so the chunks concatenate back to the exact text.
    for (const delta of turn.text.split(/(?<=\s)/)) parts.push({ type: 'text-delta', id, delta });
    parts.push({ type: 'text-end', id });
  }
  (turn.toolCalls ?? []).forEach((toolCall, i) => {
    parts.push({
      type: 'tool-call',
      toolCallId: `call_${turnId}_${i}`,
      toolName: toolCall.toolName,
      input: JSON.stringify(toolCall.input),
    });
  });
  parts.push({ type: 'finish', usage, finishReason: finishReasonOf(turn) });
  return parts;
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const describe = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
