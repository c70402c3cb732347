import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { isQueueName, type QueueName } from '../../infrastructure/queue-names.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JSONSchema7 } from 'json-schema';
import {
  compareAgentVersions,
  DEFAULT_AGENT_VERSION,
  type AgentLimits,
  type AgentStepper,
  type AgentTypeSettings,
  type RetryBackoff,
} from '../../runtime/agent-definition.js';
import { isStandardSchema } from '../../runtime/schemas/input-validation.js';
import { describeSchema, type SchemaDescription } from '../../runtime/schemas/schema-description.js';
import { hookTargetsProblem, type HookTarget } from '../../runtime/hook-target.js';

/** An agent type as the runner uses it: settings resolved against the module defaults. */
export interface RegisteredAgent {
  name: string;
  version: string;
  description?: string;
  queue: QueueName;
  limits: AgentLimits;
  chunkSize: number;
  /** Attempts after the first of a step that failed with a retryable error. */
  retries: number;
  retryBackoff: RetryBackoff;
  /** Called for every execution of the type. */
  hooks: HookTarget[];
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

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const VERSION = /^[a-z0-9][a-z0-9._-]{0,31}$/i;

/**
 * The agent types of this process, each with one or more versions. New starts take a type's
 * current version (the highest); a running execution asks for the exact version that started it.
 */
@Injectable()
export class AgentRegistry {
  /** Per type, its versions, highest first. */
  private readonly agents = new Map<string, RegisteredAgent[]>();

  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions) {}

  register(settings: AgentTypeSettings<unknown>, stepper: AgentStepper, origin: string): void {
    const name = settings.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new AgentRegistrationError(`${origin}: agent name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-'`);
    }
    const version = settings.version ?? DEFAULT_AGENT_VERSION;
    if (typeof version !== 'string' || !VERSION.test(version)) {
      throw new AgentRegistrationError(
        `${origin}: agent type '${name}': version ${JSON.stringify(version)} must be a string of 1-32 letters, digits, '.', '_' or '-'`,
      );
    }
    const versions = this.agents.get(name) ?? [];
    if (versions.some((agent) => agent.version === version)) {
      throw new AgentRegistrationError(
        `${origin}: agent type '${name}' version '${version}' is registered twice; give each definition of a type its own version`,
      );
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
    const hooks = settings.hooks ?? [];
    const problem = hookTargetsProblem(hooks);
    if (problem) throw new AgentRegistrationError(`${origin}: agent type '${name}': ${problem}`);
    const { inputSchema, outputSchema } = settings;
    for (const [key, schema] of Object.entries({ inputSchema, outputSchema })) {
      if (schema !== undefined && !isStandardSchema(schema)) {
        throw new AgentRegistrationError(
          `${origin}: agent type '${name}': ${key} must be a Standard Schema (a zod, valibot or arktype schema, or any object with '~standard')`,
        );
      }
    }
    versions.push({
      name,
      version,
      description: settings.description,
      queue,
      limits,
      chunkSize,
      retries,
      retryBackoff,
      hooks,
      stepper,
      inputSchema: inputSchema as StandardSchemaV1 | undefined,
      input: describeSchema(inputSchema as StandardSchemaV1 | undefined, settings.inputJsonSchema),
      outputSchema,
      output: describeSchema(outputSchema, settings.outputJsonSchema, 'output'),
    });
    versions.sort((a, b) => compareAgentVersions(b.version, a.version));
    this.agents.set(name, versions);
  }

  /** The type's current version (what a new start runs), or the exact `version` asked for. */
  get(name: string, version?: string): RegisteredAgent | undefined {
    const versions = this.agents.get(name);
    return version === undefined ? versions?.[0] : versions?.find((agent) => agent.version === version);
  }

  /** The versions of a type registered here, highest first (none: an unknown type). */
  versions(name: string): string[] {
    return (this.agents.get(name) ?? []).map((agent) => agent.version);
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }

  /** Every registered type in its current version, by name. */
  all(): RegisteredAgent[] {
    return this.names().map((name) => this.agents.get(name)![0]!);
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
