import type { JSONSchema7 } from 'json-schema';
import type { SchemaDescription } from '../../runtime/schemas/schema-description.js';
import type { RegisteredAgent } from '../registry/agent-registry.js';

/** An agent type as `GET /api/agents/types` lists it. */
export interface AgentTypeView {
  name: string;
  description: string | null;
  queue: string;
  limits: { max_steps: number; max_tokens: number; timeout_seconds: number };
  chunk_size: number;
  /** The JSON Schema of the input a start must give; null when the type takes any input or its schema has none. */
  input_schema: JSONSchema7 | null;
  /** Why an input schema that exists has no JSON Schema here. */
  input_schema_note?: string;
  /** The JSON Schema of a completed run's `output`, when the type declares one. */
  output_schema: JSONSchema7 | null;
  output_schema_note?: string;
}

export function toAgentTypeView(agent: RegisteredAgent): AgentTypeView {
  return {
    name: agent.name,
    description: agent.description ?? null,
    queue: agent.queue,
    limits: { max_steps: agent.limits.maxSteps, max_tokens: agent.limits.maxTokens, timeout_seconds: agent.limits.timeoutSeconds },
    chunk_size: agent.chunkSize,
    ...schemaFields('input', agent.input),
    ...schemaFields('output', agent.output),
  } as AgentTypeView;
}

function schemaFields(side: 'input' | 'output', description: SchemaDescription | null): Record<string, unknown> {
  if (!description) return { [`${side}_schema`]: null };
  if ('jsonSchema' in description) return { [`${side}_schema`]: description.jsonSchema };
  return { [`${side}_schema`]: null, [`${side}_schema_note`]: description.note };
}
