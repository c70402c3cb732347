import type { JsonValue } from '../runtime/json.js';
import type { PipelineStage } from './pipeline-stage.js';

export const TemplateKey = {
  InitialInput: 'initial_input',
  PreviousOutput: 'previous_output',
  StageOutput: 'stage_output',
  Unknown: 'unknown',
} as const;

export type Placeholder =
  | { kind: typeof TemplateKey.InitialInput | typeof TemplateKey.PreviousOutput | typeof TemplateKey.Unknown; raw: string }
  | { kind: typeof TemplateKey.StageOutput; raw: string; stage: string };

/**
 * `{word}` or `{stages.<name>.output}`. Anything else in braces (a JSON example in the prompt)
 * is literal text.
 */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;
const STAGE_OUTPUT = /^stages\.([A-Za-z0-9_-]+)\.output$/;

function classify(raw: string): Placeholder {
  if (raw === TemplateKey.InitialInput) return { kind: TemplateKey.InitialInput, raw };
  if (raw === TemplateKey.PreviousOutput) return { kind: TemplateKey.PreviousOutput, raw };
  const stage = STAGE_OUTPUT.exec(raw)?.[1];
  if (stage) return { kind: TemplateKey.StageOutput, raw, stage };
  return { kind: TemplateKey.Unknown, raw };
}

export function placeholdersOf(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => classify(m[1]!));
}

/** The template of a stage that gives none. */
export const defaultTemplate = (stageIndex: number): string => (stageIndex === 0 ? '{initial_input}' : '{previous_output}');

/** How a value enters a prompt: a string as it is, anything else as JSON. */
export const asText = (value: JsonValue | undefined): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

export interface TemplateValues {
  initialInput: JsonValue;
  /** The previous stage's output as text (see `stageOutputText`); null in the first stage. */
  previousOutput: string | null;
  stageOutputs: Record<string, JsonValue>;
}

/**
 * Fills the placeholders in one pass: text coming from an output is never expanded again, so an
 * output that happens to contain `{previous_output}` stays as it is.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (match, raw: string) => {
    const key = classify(raw);
    if (key.kind === TemplateKey.InitialInput) return asText(values.initialInput);
    if (key.kind === TemplateKey.PreviousOutput) return values.previousOutput ?? '';
    if (key.kind === TemplateKey.StageOutput && Object.hasOwn(values.stageOutputs, key.stage))
      return asText(values.stageOutputs[key.stage]);
    return match;
  });
}

/**
 * A finished stage's output as the next stage's `{previous_output}`: a single stage's output as
 * text; for a parallel group, each member as `## <name>` on its own line followed by its output,
 * in declared order, separated by a blank line.
 */
export function stageOutputText(stage: PipelineStage, outputs: Record<string, JsonValue>): string {
  if (!stage.parallel) return asText(outputs[stage.members[0]!.name]);
  return stage.members.map((m) => `## ${m.name}\n${asText(outputs[m.name])}`).join('\n\n');
}

/** A finished stage's output as the pipeline's output: a single stage's output; for a parallel group, `{ <name>: output }`. */
export function stageOutputValue(stage: PipelineStage, outputs: Record<string, JsonValue>): JsonValue {
  if (!stage.parallel) return outputs[stage.members[0]!.name] ?? null;
  return Object.fromEntries(stage.members.map((m) => [m.name, outputs[m.name] ?? null]));
}

/** The prompt each member of stage `index` starts with. */
export function stagePrompts(
  stages: PipelineStage[],
  index: number,
  initialInput: JsonValue,
  stageOutputs: Record<string, JsonValue>,
): string[] {
  const values: TemplateValues = {
    initialInput,
    previousOutput: index === 0 ? null : stageOutputText(stages[index - 1]!, stageOutputs),
    stageOutputs,
  };
  return stages[index]!.members.map((m) => renderTemplate(m.promptTemplate ?? defaultTemplate(index), values));
}

/**
 * The input each member of stage `index` starts with. A template that is exactly one whole
 * placeholder passes that JSON value through unchanged (`{initial_input}`: the pipeline's input;
 * `{previous_output}`: the previous stage's output value, `{ <name>: output }` for a group), so a
 * custom agent in a pipeline gets its structured input; any other template is rendered into
 * `{ prompt }`.
 */
export function stageInputs(
  stages: PipelineStage[],
  index: number,
  initialInput: JsonValue,
  stageOutputs: Record<string, JsonValue>,
): JsonValue[] {
  const prompts = stagePrompts(stages, index, initialInput, stageOutputs);
  return stages[index]!.members.map((member, i) => {
    const template = (member.promptTemplate ?? defaultTemplate(index)).trim();
    if (template === `{${TemplateKey.InitialInput}}`) return initialInput;
    if (template === `{${TemplateKey.PreviousOutput}}` && index > 0) return stageOutputValue(stages[index - 1]!, stageOutputs);
    return { prompt: prompts[i]! };
  });
}
