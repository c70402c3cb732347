import { jsonSchema, Output, type OutputInterface } from 'ai';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JSONSchema7 } from 'json-schema';
import type { JsonValue } from '../json.js';
import { describeSchema } from './schema-description.js';

/**
 * The structured output an LLM agent asks its model for, when its `outputSchema` can be written as
 * JSON Schema: providers that support it then constrain the answer (OpenAI's `json_schema`
 * response format, Anthropic's tool-forced output). The answer is checked against the schema
 * itself by the runner either way.
 */
export function structuredOutputFor(schema: StandardSchemaV1 | undefined, given: JSONSchema7 | undefined): OutputInterface | undefined {
  const described = describeSchema(schema, given, 'output');
  if (!described || !('jsonSchema' in described)) return undefined;
  // NOTE: the SDK's own validation is left out (a plain JSON Schema): a mismatch must fail the run with the schema's field errors.
  return Output.object({ schema: jsonSchema<JsonValue>(withoutMetaSchema(described.jsonSchema)) });
}

/**
 * The final answer as JSON: the text itself, or the one fenced ```json block a model wrapped it in.
 * Text that is no JSON stays text, and the output schema rejects it with a clear message.
 */
export function parseJsonAnswer(text: string): JsonValue {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  try {
    return JSON.parse(fenced ? fenced[1]! : text) as JsonValue;
  } catch {
    return text;
  }
}

/** Some providers refuse a `$schema` key inside the response format. */
function withoutMetaSchema(schema: JSONSchema7): JSONSchema7 {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}
