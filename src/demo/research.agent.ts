import { Agent, step, type AgentState, type AgentStepper, type StepContext, type StepResult } from 'nestjs-agents';

interface ResearchInput {
  topic?: string;
  /** Sources to read before writing the summary (default 30). */
  sources?: number;
}

/**
 * A long agent: one source "read" per step, on the long queue, checkpointing every 5 steps, so a
 * run spans many jobs.
 */
@Agent({ name: 'research', description: 'Long multi-step research (many small steps)', queue: 'agents-long', chunkSize: 5 })
export class ResearchAgent implements AgentStepper {
  async step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    const input = (state.input ?? {}) as ResearchInput;
    const topic = input.topic ?? 'agents';
    const sources = input.sources ?? 30;
    const read = Number(state.data.read ?? 0);
    if (read >= sources) {
      const summary = `Summary of ${sources} sources on ${topic}`;
      return step.done({ summary, sources }, { messages: [{ role: 'assistant', content: summary }], stepType: 'model' });
    }
    const note = `Source ${read + 1} on ${topic}: ${'finding '.repeat(3).trim()}`;
    ctx.log.info(`Read source ${read + 1}/${sources}`, { source: read + 1 }, 'tool_completed');
    ctx.recordUsage({ model: 'scripted-research', inputTokens: 40, outputTokens: 10 });
    return step.continue({
      messages: [{ role: 'tool', content: note }],
      data: { read: read + 1 },
      stepType: 'tool',
      toolNames: ['read_source'],
    });
  }
}
