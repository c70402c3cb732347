import type { LanguageModel } from 'ai';
import { isPositiveInt } from '../errors/option-checks.js';
import type { SubagentSpec } from '../runtime/subagent-spec.js';

export interface SubagentOptions {
  /**
   * Subagents (default true). `false`: no spec is registered, so no agent can spawn one, and no
   * child's end wakes a parent through this feature.
   */
  enabled?: boolean;
  /** The subagents agents may spawn. */
  specs?: SubagentSpec[];
  /** The model of specs that name none. */
  model?: LanguageModel | (() => LanguageModel);
  /** How deep spawning may go: a root execution is depth 0, its children 1 (default 2). */
  maxDepth?: number;
  /** A child's output reaches its parent cut to this many characters (default 2000). */
  summaryMaxChars?: number;
}

export interface ResolvedSubagentOptions {
  subagents: { specs: SubagentSpec[]; model: SubagentOptions['model'] | null; maxDepth: number; summaryMaxChars: number };
  features: { subagents: boolean };
}

export function resolveSubagentOptions(input: SubagentOptions | undefined, problems: string[]): ResolvedSubagentOptions {
  const enabled = input?.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push('subagents.enabled must be a boolean');
  const subagents = {
    specs: input?.specs ?? [],
    model: input?.model ?? null,
    maxDepth: input?.maxDepth ?? 2,
    summaryMaxChars: input?.summaryMaxChars ?? 2000,
  };
  problems.push(...findSubagentProblems(subagents.specs, subagents.model !== null));
  if (!isPositiveInt(subagents.maxDepth)) problems.push('subagents.maxDepth must be a positive integer');
  if (!isPositiveInt(subagents.summaryMaxChars)) problems.push('subagents.summaryMaxChars must be a positive integer');
  // NOTE: switched off, the specs are checked but none is offered: the registry and the step executor see none.
  return { subagents: enabled === false ? { ...subagents, specs: [] } : subagents, features: { subagents: enabled } };
}

function findSubagentProblems(specs: unknown, hasDefaultModel: boolean): string[] {
  if (!Array.isArray(specs)) return ['subagents.specs must be an array'];
  const problems: string[] = [];
  const seen = new Set<string>();
  const isText = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  for (const [i, spec] of (specs as Partial<SubagentSpec>[]).entries()) {
    const where = `subagents.specs[${i}]`;
    // NOTE: 55, so that its agent type `subagent.<name>` fits the registry's 64 characters.
    if (typeof spec?.name !== 'string' || !/^[A-Za-z0-9_-]{1,55}$/.test(spec.name)) {
      problems.push(`${where}.name must be 1–55 letters, digits, - or _`);
    } else if (seen.has(spec.name)) problems.push(`${where}.name '${spec.name}' is given twice`);
    else seen.add(spec.name);
    if (!isText(spec?.description)) problems.push(`${where}.description must be a non-empty string`);
    if (!isText(spec?.systemPrompt)) problems.push(`${where}.systemPrompt must be a non-empty string`);
    if (!spec?.model && !hasDefaultModel) problems.push(`${where} has no model and subagents.model is not set`);
  }
  const names = new Set((specs as Partial<SubagentSpec>[]).map((s) => s?.name));
  for (const [i, spec] of (specs as Partial<SubagentSpec>[]).entries()) {
    const allowed = spec?.subagents;
    if (!Array.isArray(allowed)) continue;
    for (const name of allowed) {
      if (!names.has(name)) problems.push(`subagents.specs[${i}].subagents names '${String(name)}', which is not a spec`);
    }
  }
  return problems;
}
