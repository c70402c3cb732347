import type { SchemaObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

/** What OpenAPI 3.0's Schema Object allows besides `x-` extensions; any other key makes the document invalid. */
const KEPT = new Set([
  'title',
  'description',
  'format',
  'default',
  'example',
  'deprecated',
  'readOnly',
  'writeOnly',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'enum',
  'nullable',
]);

/** The JSON types OpenAPI 3.0 names (`null` is `nullable` there). */
const TYPES = new Set(['array', 'boolean', 'integer', 'number', 'object', 'string']);

/** A JSON Schema (draft 7 or 2020-12) as OpenAPI 3.0 Schema Objects: the root and its hoisted definitions. */
export interface ConvertedSchema {
  schema: SchemaObject;
  /** `$defs` / `definitions`, by the component name they go under. */
  components: Record<string, SchemaObject>;
}

/**
 * Writes a JSON Schema as OpenAPI 3.0 (the dialect `@nestjs/swagger` writes): `type: [x, 'null']`
 * becomes `nullable`, `const` a one-value `enum`, numeric `exclusiveMinimum` the boolean form,
 * `$defs` become components named `<name>_<def>` with every local `$ref` rewritten. NOTE: keywords
 * 3.0 has no word for (`if`/`then`, `patternProperties`, tuples, …) are left out: the document
 * then describes a little more than is accepted; the agent's schema still validates every start.
 */
export function toOpenApiSchema(jsonSchema: unknown, name: string): ConvertedSchema {
  const components: Record<string, SchemaObject> = {};
  const root = jsonSchema as Json;
  const ref = (pointer: string): string => {
    const local = /^#\/(\$defs|definitions)\/([^/]+)(.*)$/.exec(pointer);
    if (local) return `#/components/schemas/${componentName(name, local[2]!)}${local[3]}`;
    return `#/components/schemas/${name}${pointer.slice(1)}`;
  };
  for (const key of ['$defs', 'definitions'] as const) {
    const definitions = isObject(root) ? root[key] : undefined;
    if (!isObject(definitions)) continue;
    for (const [def, schema] of Object.entries(definitions)) components[componentName(name, def)] = convert(schema, ref);
  }
  return { schema: convert(jsonSchema, ref), components };
}

/** A component name OpenAPI accepts (`^[a-zA-Z0-9._-]+$`). */
export const componentName = (...parts: string[]): string => parts.join('_').replace(/[^A-Za-z0-9._-]/g, '_');

function convert(schema: unknown, ref: (pointer: string) => string): SchemaObject {
  if (schema === true || schema === undefined) return {};
  if (schema === false || !isObject(schema)) return { not: {} };
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (KEPT.has(key) || key.startsWith('x-')) out[key] = value;
  }
  // Every part that must hold at once: a `$ref` (beside which 3.0 ignores every other keyword), several types, `allOf`.
  const allOf: unknown[] = [];
  if (typeof schema.$ref === 'string') {
    const reference = { $ref: schema.$ref.startsWith('#') ? ref(schema.$ref) : schema.$ref };
    if (Object.keys(schema).length === 1) return reference as SchemaObject;
    allOf.push(reference);
  }
  if ('const' in schema) out.enum = [schema.const];
  if (Array.isArray(out.enum)) {
    if (out.enum.includes(null)) out.nullable = true;
    if (out.enum.length === 0) return { not: {} };
  }
  if (Array.isArray(schema.examples) && schema.examples.length > 0 && !('example' in out)) out.example = schema.examples[0];
  for (const [bound, inclusive] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = schema[bound];
    if (typeof value === 'number') Object.assign(out, { [inclusive]: value, [bound]: true });
    if (typeof value === 'boolean') out[bound] = value;
  }
  const { types, nullable } = typeOf(schema.type);
  if (nullable) out.nullable = true;
  if (types.length === 1) out.type = types[0];
  if (types.length > 1) allOf.push({ anyOf: types.map((type) => ({ type })) });
  if (Array.isArray(schema.required) && schema.required.length > 0) out.required = [...new Set(schema.required)];
  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, convert(v, ref)]));
  }
  if (schema.additionalProperties !== undefined) {
    out.additionalProperties =
      typeof schema.additionalProperties === 'boolean' ? schema.additionalProperties : convert(schema.additionalProperties, ref);
  }
  if (isObject(schema.items) || typeof schema.items === 'boolean') out.items = convert(schema.items, ref);
  else if (out.type === 'array' || Array.isArray(schema.items)) out.items = {};
  if (Array.isArray(schema.allOf)) allOf.push(...schema.allOf.map((s) => convert(s, ref)));
  if (allOf.length > 0) out.allOf = allOf;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list) && list.length > 0) out[key] = list.map((s) => convert(s, ref));
  }
  if (schema.not !== undefined) out.not = convert(schema.not, ref);
  return out as SchemaObject;
}

/** The types 3.0 names, and whether `null` is one (3.0's `nullable`). */
function typeOf(type: unknown): { types: string[]; nullable: boolean } {
  const given = (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
  return { types: given.filter((t) => TYPES.has(t)), nullable: given.includes('null') };
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
