import { jsonSchema, tool } from 'ai';
import {
  Agent,
  createScriptedModel,
  defineLlmAgent,
  type AgentState,
  type AgentStepper,
  type StepContext,
  type StepResult,
  step,
} from '../../../src/agent/index.js';

/** The answer of every `slow-chat` turn: 40 words, one token each. */
export const SLOW_ANSWER = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

/** Pace of the scripted model's tokens (ms): a turn lasts ~40 × this, long enough to drop and resume mid-turn. */
export const SLOW_CHUNK_MS = Number(process.env.SLOW_CHAT_CHUNK_MS ?? 25);

/** An LLM agent on the scripted model, streaming `SLOW_ANSWER` one word every `SLOW_CHUNK_MS`. */
@Agent({ name: 'slow-chat' })
export class SlowChatAgent implements AgentStepper {
  private readonly llm = defineLlmAgent({
    name: 'slow-chat',
    model: createScriptedModel({ chunkDelayMs: SLOW_CHUNK_MS, script: () => ({ text: SLOW_ANSWER }) }),
    system: 'You answer slowly.',
  });

  step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    return this.llm.step(state, ctx);
  }
}

/** `slow-chat`'s answer, then a tool call: a second step follows, so a graceful cancel during the first lands between them. */
@Agent({ name: 'slow-steps' })
export class SlowStepsAgent implements AgentStepper {
  private readonly llm = defineLlmAgent({
    name: 'slow-steps',
    model: createScriptedModel({
      chunkDelayMs: SLOW_CHUNK_MS,
      script: (_call, turn) => (turn === 0 ? { text: SLOW_ANSWER, toolCalls: [{ toolName: 'noop', input: {} }] } : { text: 'done' }),
    }),
    system: 'You answer slowly, then call a tool.',
    tools: { noop: tool({ inputSchema: jsonSchema<object>({ type: 'object' }), execute: async () => 'ok' }) },
  });

  step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    return this.llm.step(state, ctx);
  }
}

/** What `quiet-chat` says: a custom agent that streams no token, its answer in its step's messages. */
export const QUIET_ANSWER = 'The answer is 42.';

/** What `quiet-chat` says when asked "at length": more than a live notification carries (its row is read whole). */
export const LONG_QUIET_ANSWER = 'forty-two '.repeat(1500);

/** A custom agent without a model: no token deltas; odd turns answer with a message, even ones with an output only. */
@Agent({ name: 'quiet-chat' })
export class QuietChatAgent implements AgentStepper {
  async step(state: AgentState): Promise<StepResult> {
    const asked = state.messages.filter((m) => m.role === 'user');
    const turns = asked.length;
    if (JSON.stringify(asked.at(-1)?.content).includes('at length')) {
      // Committed after the chat stream caught up: its row reaches the stream live, cut to fit.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return step.done(LONG_QUIET_ANSWER);
    }
    if (turns % 2 === 1)
      return step.done({ ok: true }, { messages: [{ role: 'assistant', content: [{ type: 'text', text: QUIET_ANSWER }] }] });
    return step.done(`Turn ${turns}: ${QUIET_ANSWER}`);
  }
}
