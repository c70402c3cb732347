import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, RetryableError, step, type AgentState, type AgentStepper, type StepContext, type StepResult } from 'nestjs-agents';

/** Input of the `steps` agent: deterministic work for demos, tests and benchmarks. */
export interface StepsInput {
  /** Steps until done (default 3). */
  steps?: number;
  /** Time each step takes, in ms (default 0). Aborted promptly by a kill or a timeout. */
  step_ms?: number;
  /**
   * CPU time each step spends computing on the worker, in ms (default 0, at most 1000): blocks
   * the worker's event loop like real in-process work, to measure what worker processes add.
   */
  cpu_ms?: number;
  /** Step number that throws. */
  fail_at?: number;
  /** Step number that asks for input. */
  ask_input_at?: number;
  /** Step number that waits for the event `steps.continue`. */
  await_event_at?: number;
  /** Tokens recorded per step (default 0), to exercise token limits. */
  tokens_per_step?: number;
  /** Step number that ends with a durable sleep of `sleep_ms` (default 1000). */
  sleep_at?: number;
  sleep_ms?: number;
  /** Step number whose first `retryable_failures` attempts (default 1) throw a `RetryableError`. */
  retry_at?: number;
  retryable_failures?: number;
}

const MAX_CPU_MS = 1000;

const asStepsInput = (input: unknown): Required<Pick<StepsInput, 'steps' | 'step_ms' | 'cpu_ms' | 'tokens_per_step'>> & StepsInput => {
  const i = (typeof input === 'object' && input !== null ? input : {}) as StepsInput;
  const cpuMs = Number.isFinite(i.cpu_ms) ? Math.min(Math.max(i.cpu_ms!, 0), MAX_CPU_MS) : 0;
  return { ...i, steps: i.steps ?? 3, step_ms: i.step_ms ?? 0, cpu_ms: cpuMs, tokens_per_step: i.tokens_per_step ?? 0 };
};

/** Keeps this thread's CPU busy for `ms` (process CPU time, not wall time: a busy machine does not shorten it). */
function burnCpu(ms: number): void {
  const until = process.cpuUsage().user / 1000 + ms;
  let x = 0;
  while (process.cpuUsage().user / 1000 < until) for (let k = 0; k < 1000; k++) x = (x * 31 + k) % 1_000_003;
  // NOTE: x is read, so the compiler cannot drop the arithmetic that keeps the thread busy between clock reads.
  if (x < 0) throw new Error('unreachable');
}

/** Each step appends one message; the last one answers `{ steps_done }`. */
@Agent({ name: 'steps', description: 'Deterministic custom agent driven by its input', chunkSize: 25, limits: { maxSteps: 10_000 } })
export class StepsAgent implements AgentStepper {
  async step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    const input = asStepsInput(state.input);
    const n = ctx.stepNumber;
    if (input.step_ms > 0) await sleep(input.step_ms, undefined, { signal: ctx.signal });
    if (input.cpu_ms > 0) burnCpu(input.cpu_ms);
    if (input.fail_at === n) throw new Error(`Step ${n} failed as asked (fail_at)`);
    if (input.retry_at === n && ctx.attempt <= (input.retryable_failures ?? 1)) {
      throw new RetryableError(`Step ${n}, attempt ${ctx.attempt}, failed as asked (retry_at)`);
    }
    if (input.tokens_per_step > 0) {
      ctx.recordUsage({ model: 'steps', inputTokens: input.tokens_per_step, outputTokens: 0 });
    }
    const messages = [{ role: 'assistant' as const, content: `step ${n}` }];
    if (input.ask_input_at === n) return step.awaitInput(`Input needed at step ${n}`, { messages, data: { i: n } });
    if (input.await_event_at === n) return step.awaitEvent('steps.continue', { messages, data: { i: n } });
    if (input.sleep_at === n && n < input.steps) return step.sleep(input.sleep_ms ?? 1000, { messages, data: { i: n } });
    if (n >= input.steps) return step.done({ steps_done: n }, { messages, data: { i: n } });
    return step.continue({ messages, data: { i: n } });
  }
}
