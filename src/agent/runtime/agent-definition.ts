import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JSONSchema7 } from 'json-schema';
import type { AgentState } from './agent-state.js';
import type { JsonValue } from './json.js';
import type { HookTarget } from './hook-target.js';
import type { StepContext } from './step-context.js';
import type { StepResult } from './step-result.js';

export interface AgentLimits {
  /** The run fails with `max_steps_exceeded` once this many steps ran without finishing. */
  maxSteps: number;
  /** The run fails with `max_tokens_exceeded` once its total tokens pass this. */
  maxTokens: number;
  /** Wall-clock limit from the first start; the step in flight is aborted at the deadline. */
  timeoutSeconds: number;
}

/** Per-type settings shared by custom and LLM agents. Everything but the name is optional. */
export interface AgentTypeSettings<TInput = JsonValue> {
  name: string;
  /**
   * The version of this definition (default `'1'`). An execution keeps the version that started it;
   * new starts take the highest version registered (compared as numbers where they are numbers).
   */
  version?: string;
  description?: string;
  /** The queue this type runs on unless the tier or the caller chooses another. */
  queue?: string;
  limits?: Partial<AgentLimits>;
  /** Steps per job before the run checkpoints and re-enqueues its continuation. */
  chunkSize?: number;
  /**
   * The input every start must satisfy (any Standard Schema: zod, valibot, arktype, ...). A start
   * with input it rejects answers 400 with the field errors and writes nothing; the schema's
   * output (defaults filled in) is the input that is stored and that `step()` sees. Keep that
   * output JSON: it is checkpointed as JSON.
   */
  inputSchema?: StandardSchemaV1<unknown, TInput>;
  /**
   * The input's JSON Schema, published on `GET /api/agents/types`. Needed only when `inputSchema`
   * cannot describe itself (Standard JSON Schema: zod 4 can, valibot through `@valibot/to-json-schema`).
   */
  inputJsonSchema?: JSONSchema7;
  /**
   * The output a finished run must have. The output of the step that finishes is checked against
   * it (an LLM agent's final answer is parsed as JSON first); a mismatch fails the run with
   * `invalid_output` and the field errors, and the schema's output is what is stored.
   */
  outputSchema?: StandardSchemaV1;
  /** The output's JSON Schema, when `outputSchema` cannot describe itself. */
  outputJsonSchema?: JSONSchema7;
  /**
   * How many times a step that failed with a retryable error (`RetryableError`, a provider's 429 or
   * 5xx, a network error) runs again, with exponential backoff and jitter, before the run fails.
   * 0: never. Default `defaults.retries` (3).
   */
  retries?: number;
  /** Signed HTTP callbacks for every execution of this type, beside those a start names. */
  hooks?: HookTarget[];
}

/** The wait between attempts of a failed step: doubling from `initialMs`, at most `maxMs`, jittered. */
export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/** The input type an agent's `step()` sees for a schema: its output type. */
export type AgentInput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** The one thing the runner needs from an agent. */
export interface AgentStepper<TInput = JsonValue> {
  step(state: AgentState<TInput>, ctx: StepContext): Promise<StepResult>;
}

export interface AgentDefinition<TInput = JsonValue> extends AgentTypeSettings<TInput>, AgentStepper<TInput> {}

/**
 * A custom agent as a plain object (for `options.agents`), with `state.input` typed by its
 * `inputSchema`.
 * @example
 * const greeter = defineAgent({
 *   name: 'greeter',
 *   inputSchema: z.object({ name: z.string() }),
 *   step: async (state) => step.done(`Hello ${state.input.name}`),
 * });
 */
export function defineAgent<TInput = JsonValue>(definition: AgentDefinition<TInput>): AgentDefinition {
  // NOTE: the runner hands every step the stored input, which the schema already checked (and shaped) at the start.
  return definition as unknown as AgentDefinition;
}

/** The version of a definition that names none. */
export const DEFAULT_AGENT_VERSION = '1';

/** Version order: `'10'` after `'9'`, `'2.1'` after `'2'`. */
export const compareAgentVersions = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
