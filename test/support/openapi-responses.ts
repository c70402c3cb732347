import { z } from 'zod';

type Json = Record<string, unknown>;

/** What a response was checked against, and what did not match. */
export interface ResponseMismatch {
  operation: string;
  status: number;
  problems: string;
}

/**
 * Checks real answers against the OpenAPI 3.0 document's response schemas, strictly: every field an
 * answer carries must be documented (`additionalProperties: false` on each described object), so a
 * field added to a view and not to its response class is found.
 */
export function responseChecker(document: { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } }) {
  const definitions = strict(relocateRefs(document.components.schemas)) as Record<string, Json>;
  const mismatches: ResponseMismatch[] = [];
  return {
    mismatches,
    check(method: string, path: string, status: number, body: unknown): void {
      const operation = `${method.toUpperCase()} ${path}`;
      const responses = document.paths[path]?.[method]?.responses as Record<string, Json> | undefined;
      // A 204 has no body: its status documented is all there is to match.
      if (status === 204 && responses?.['204']) {
        const empty = body === undefined || body === '' || (typeof body === 'object' && body !== null && Object.keys(body).length === 0);
        if (!empty) mismatches.push({ operation, status, problems: 'a body on a 204' });
        return;
      }
      const content = responses?.[String(status)]?.content as Record<string, { schema: Json }> | undefined;
      const schema = content?.['application/json']?.schema;
      if (!schema) {
        mismatches.push({ operation, status, problems: 'not documented' });
        return;
      }
      const zod = z.fromJSONSchema({ ...(strict(relocateRefs(schema)) as Json), definitions } as never, { defaultTarget: 'openapi-3.0' });
      const result = zod.safeParse(body);
      if (!result.success) mismatches.push({ operation, status, problems: z.prettifyError(result.error) });
    },
  };
}

/** `#/components/schemas/X` → `#/definitions/X`, where `fromJSONSchema` looks. */
const relocateRefs = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"#/definitions/'));

function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'example' ? v : strict(v)]));
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
