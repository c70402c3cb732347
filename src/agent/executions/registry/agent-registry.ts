import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { isQueueName, type QueueName } from '../../infrastructure/queue-names.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JSONSchema7 } from 'json-schema';
import type { AgentLimits, AgentStepper, AgentTypeSettings, RetryBackoff } from '../../runtime/agent-definition.js';
import { isStandardSchema } from '../../runtime/schemas/input-validation.js';
import { describeSchema, type SchemaDescription } from '../../runtime/schemas/schema-description.js';

/** An agent type as the runner uses it: settings resolved against the module defaults. */
export interface RegisteredAgent {
  name: string;
  description?: string;
  queue: QueueName;
  limits: AgentLimits;
  chunkSize: number;
  /** Attempts after the first of a step that failed with a retryable error. */
  retries: number;
  retryBackoff: RetryBackoff;
  stepper: AgentStepper;
  /** Checked on every start of this type, and on every child spawned or pipeline stage started as it. */
  inputSchema?: StandardSchemaV1;
  /** The input's JSON Schema, or a note saying why there is none; null without an input schema. */
  input: SchemaDescription | null;
  /** Checked against the output of the step that finishes a run of this type (LLM agents: their final answer, parsed as JSON). */
  outputSchema?: StandardSchemaV1;
  output: SchemaDescription | null;
}

export class AgentRegistrationError extends Error {}

@Injectable()
export class AgentRegistry {
  private readonly agents = new Map<string, RegisteredAgent>();

  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions) {}

  register(settings: AgentTypeSettings<unknown>, stepper: AgentStepper, origin: string): void {
    const name = settings.name;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(name)) {
      throw new AgentRegistrationError(`${origin}: agent name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-'`);
    }
    if (this.agents.has(name)) {
      throw new AgentRegistrationError(`${origin}: agent type '${name}' is registered twice; agent type names must be unique`);
    }
    if (typeof stepper.step !== 'function') {
      throw new AgentRegistrationError(`${origin}: agent type '${name}' has no step(state, ctx) method`);
    }
    const queue = settings.queue ?? this.options.defaults.queue;
    if (!isQueueName(queue)) throw new AgentRegistrationError(`${origin}: agent type '${name}' names an unknown queue '${queue}'`);
    const limits = { ...this.options.defaults.limits, ...settings.limits };
    const chunkSize = settings.chunkSize ?? this.options.defaults.chunkSize;
    for (const [key, value] of Object.entries({ ...limits, chunkSize })) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new AgentRegistrationError(`${origin}: agent type '${name}': ${key} must be a positive integer`);
      }
    }
    const retries = settings.retries ?? this.options.defaults.retries;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new AgentRegistrationError(`${origin}: agent type '${name}': retries must be an integer ≥ 0`);
    }
    const { retryBackoff } = this.options.defaults;
    const { inputSchema, outputSchema } = settings;
    for (const [key, schema] of Object.entries({ inputSchema, outputSchema })) {
      if (schema !== undefined && !isStandardSchema(schema)) {
        throw new AgentRegistrationError(
          `${origin}: agent type '${name}': ${key} must be a Standard Schema (a zod, valibot or arktype schema, or any object with '~standard')`,
        );
      }
    }
    this.agents.set(name, {
      name,
      description: settings.description,
      queue,
      limits,
      chunkSize,
      retries,
      retryBackoff,
      stepper,
      inputSchema: inputSchema as StandardSchemaV1 | undefined,
      input: describeSchema(inputSchema as StandardSchemaV1 | undefined, settings.inputJsonSchema),
      outputSchema,
      output: describeSchema(outputSchema, settings.outputJsonSchema, 'output'),
    });
  }

  get(name: string): RegisteredAgent | undefined {
    return this.agents.get(name);
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }

  /** Every registered type, by name. */
  all(): RegisteredAgent[] {
    return this.names().map((name) => this.agents.get(name)!);
  }

  /**
   * The JSON Schema of each agent type's input, by type name: the types without an input schema,
   * or whose schema cannot be written as JSON Schema, are left out. For API documents (OpenAPI).
   */
  inputJsonSchemas(): Record<string, JSONSchema7> {
    const schemas: Record<string, JSONSchema7> = {};
    for (const agent of this.all()) if (agent.input && 'jsonSchema' in agent.input) schemas[agent.name] = agent.input.jsonSchema;
    return schemas;
  }
}
