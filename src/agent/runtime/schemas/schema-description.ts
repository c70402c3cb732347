import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import type { JSONSchema7 } from 'json-schema';

/** A schema as JSON Schema for people and generated clients, or why there is none. */
export type SchemaDescription = { jsonSchema: JSONSchema7 } | { note: string };

/**
 * The JSON Schema of what a schema accepts: the one the agent gives (`inputJsonSchema`) first, then
 * the schema's own Standard JSON Schema (zod 4 has it; valibot through `@valibot/to-json-schema`'s
 * `toStandardJsonSchema`). Without either, a note says so; validation works the same.
 */
export function describeSchema(
  schema: StandardSchemaV1 | undefined,
  given: JSONSchema7 | undefined,
  side: 'input' | 'output' = 'input',
): SchemaDescription | null {
  if (given) return { jsonSchema: given };
  if (!schema) return null;
  const converter = (schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  const vendor = schema['~standard'].vendor;
  if (!converter) {
    return {
      note: `The ${vendor} schema does not describe itself as JSON Schema (Standard JSON Schema); give the agent an explicit ${side}JsonSchema to publish one`,
    };
  }
  try {
    return { jsonSchema: converter[side]({ target: 'draft-2020-12' }) as JSONSchema7 };
  } catch (error) {
    // NOTE: some types (transforms, dates, custom checks) have no JSON Schema; the schema still validates.
    return { note: `The ${vendor} schema cannot be written as JSON Schema: ${error instanceof Error ? error.message : String(error)}` };
  }
}
