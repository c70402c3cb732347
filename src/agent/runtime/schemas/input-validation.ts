import type { StandardSchemaV1 } from '@standard-schema/spec';

/** One problem of a value against its schema: where (`topic`, `sources.1.url`; `''` for the value itself) and what. */
export interface FieldIssue {
  path: string;
  message: string;
}

export type SchemaCheck<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/**
 * Validates a value against any Standard Schema (zod, valibot, arktype, ...). The schema's output
 * is the value that counts from then on: defaults filled in, strings trimmed, whatever it does.
 */
export async function checkAgainstSchema<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): Promise<SchemaCheck<StandardSchemaV1.InferOutput<S>>> {
  const result = await schema['~standard'].validate(value);
  if (!result.issues) return { ok: true, value: result.value as StandardSchemaV1.InferOutput<S> };
  return { ok: false, issues: result.issues.map(toFieldIssue) };
}

/** The issues as one line, for a run's error or a log: `topic: Required; sources.0: Invalid url`. */
export const describeIssues = (issues: readonly FieldIssue[]): string =>
  issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');

const toFieldIssue = (issue: StandardSchemaV1.Issue): FieldIssue => ({
  path: (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.'),
  message: issue.message,
});

/** Anything that carries the Standard Schema interface (checked at registration: a typo there fails the boot). */
export const isStandardSchema = (value: unknown): value is StandardSchemaV1 => {
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof props === 'object' && props !== null && props.version === 1 && typeof props.validate === 'function';
};
