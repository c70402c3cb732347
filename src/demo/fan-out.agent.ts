import { Agent, step, type AgentState, type AgentStepper, type StepContext, type StepResult } from 'nestjs-agents';

/** Input of the `fan-out` agent: the topics to hand out, one `summariser` subagent each. */
export interface FanOutInput {
  topics?: string[];
}

const DEFAULT_TOPICS = ['durable execution', 'rate limits', 'cost budgets'];

/**
 * A custom agent that spawns subagents: one `summariser` per topic, then (once every child ended,
 * with no worker held meanwhile) answers with their summaries, which came back as tool results.
 */
@Agent({ name: 'fan-out', description: 'Hands each topic to a summariser subagent and joins their answers', limits: { maxSteps: 5 } })
export class FanOutAgent implements AgentStepper {
  async step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    if (state.data.spawned !== true) {
      const topics = topicsOf(state.input);
      ctx.log.info(`Handing ${topics.length} topics to summarisers`, { topics });
      return step.spawn(
        topics.map((topic) => ({ subagent: 'summariser', input: `Summarise in one sentence: ${topic}` })),
        { data: { spawned: true } },
      );
    }
    const summaries = state.messages.filter((m) => m.role === 'tool').flatMap((m) => (Array.isArray(m.content) ? m.content : []));
    return step.done({ summaries: summaries.map((part) => String((part as { output?: { value?: unknown } }).output?.value ?? '')) });
  }
}

function topicsOf(input: unknown): string[] {
  const topics = (typeof input === 'object' && input !== null ? (input as FanOutInput).topics : undefined) ?? DEFAULT_TOPICS;
  return topics.filter((t): t is string => typeof t === 'string' && t.trim() !== '').slice(0, 10);
}
