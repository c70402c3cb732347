import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toOpenApiSchema } from '../../src/agent/openapi/openapi-schema-object.js';

/** A minimal OpenAPI 3.0 document holding `schemas` as components, as the validator checks a real one. */
async function problemsOf(schemas: Record<string, unknown>): Promise<unknown[]> {
  const document = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {}, components: { schemas } };
  const result = await new Validator().validate(structuredClone(document));
  return result.valid ? [] : (result.errors as unknown[]);
}

describe('a JSON Schema written as an OpenAPI 3.0 Schema Object', () => {
  it('turns what 3.0 has no word for into what it has, and validates', async () => {
    const converted = toOpenApiSchema(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          mode: { const: 'fast' },
          note: { type: ['string', 'null'] },
          size: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10 },
          either: { type: ['string', 'number'] },
          pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
          tags: { type: 'array', items: { type: 'string' }, examples: [['a']] },
          extra: { type: 'object', additionalProperties: { type: 'number' }, patternProperties: { '^x': {} } },
          anything: true,
          nothing: false,
        },
        required: ['mode'],
        additionalProperties: false,
        if: { properties: { mode: { const: 'fast' } } },
        then: { required: ['size'] },
      },
      'AgentInput_demo',
    );
    expect(converted.schema).toEqual({
      type: 'object',
      required: ['mode'],
      additionalProperties: false,
      properties: {
        mode: { enum: ['fast'] },
        note: { type: 'string', nullable: true },
        size: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true },
        either: { allOf: [{ anyOf: [{ type: 'string' }, { type: 'number' }] }] },
        pair: { type: 'array', items: {} },
        tags: { type: 'array', items: { type: 'string' }, example: ['a'] },
        extra: { type: 'object', additionalProperties: { type: 'number' } },
        anything: {},
        nothing: { not: {} },
      },
    });
    expect(await problemsOf({ AgentInput_demo: converted.schema })).toEqual([]);
  });

  it("hoists definitions into components of their own and points every local $ref at them (zod's recursive schemas)", async () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const Node: z.ZodType<Node> = z.object({ name: z.string(), children: z.array(z.lazy(() => Node)) });
    const Tree = z.object({ root: Node, size: z.number().nullable(), kind: z.literal('tree') });
    const jsonSchema = z.toJSONSchema(Tree, { target: 'draft-2020-12', reused: 'ref', io: 'input' });

    const converted = toOpenApiSchema(jsonSchema, 'AgentInput_tree');
    const schemas = { AgentInput_tree: converted.schema, ...converted.components };
    const refs = JSON.stringify(schemas).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/([^/"]+)/.exec(ref)?.[1];
      expect(name && name in schemas, ref).toBe(true);
    }
    expect(JSON.stringify(schemas)).not.toMatch(/\$defs|\$schema|"const"/);
    expect(await problemsOf(schemas)).toEqual([]);
  });

  it('keeps a $ref beside other keywords, as 3.0 reads it: in an allOf', () => {
    const converted = toOpenApiSchema({ $defs: { id: { type: 'string' } }, $ref: '#/$defs/id', description: 'The id' }, 'AgentInput_x');
    expect(converted.schema).toEqual({ description: 'The id', allOf: [{ $ref: '#/components/schemas/AgentInput_x_id' }] });
    expect(converted.components).toEqual({ AgentInput_x_id: { type: 'string' } });
  });
});
