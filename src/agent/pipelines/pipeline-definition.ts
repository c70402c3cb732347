import { InvalidPipelineError } from '../errors/pipeline.errors.js';
import { placeholdersOf, TemplateKey } from './pipeline-template.js';

/** One agent run of a stage. Its name is unique in the pipeline and keys its output. */
export interface StageMember {
  name: string;
  agentType: string;
  /** `null`: the default (`{initial_input}` for the first stage, `{previous_output}` after). */
  promptTemplate: string | null;
  /** The queue asked for (validated against the tier), if any. */
  queue?: string;
}

/** A stage: one member, or a parallel group whose members start together and join before the next stage. */
export interface PipelineStage {
  parallel: boolean;
  members: StageMember[];
}

/** What a definition is checked against: the registered agent types, the caller's tier and the module's limits. */
export interface DefinitionRules {
  agentTypes: readonly string[];
  allowedQueues: readonly string[];
  maxStages: number;
  maxParallel: number;
}

/** Stage names are used in `{stages.<name>.output}`: no dots, no braces. */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEMPLATE_CHARS = 20_000;
const MEMBER_KEYS = ['name', 'agent_type', 'prompt_template', 'queue'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a pipeline definition as the API receives it (`[{ name, agent_type, prompt_template?,
 * queue? } | { parallel: [...] }]`) and returns it typed. Every problem is collected, so a bad
 * definition answers 400 once with all of them, before anything is written.
 */
export function parsePipelineStages(raw: unknown, rules: DefinitionRules): PipelineStage[] {
  const problems: string[] = [];
  if (!Array.isArray(raw) || raw.length === 0) throw new InvalidPipelineError(['stages must be a non-empty array']);
  if (raw.length > rules.maxStages) problems.push(`stages has ${raw.length} stages; at most ${rules.maxStages} are allowed`);

  const stages = raw.map((entry, index) => parseStage(entry, `stages[${index}]`, rules, problems));
  checkNames(stages, problems);
  stages.forEach((stage, index) => checkTemplates(stages, index, problems));
  if (problems.length > 0) throw new InvalidPipelineError(problems);
  return stages;
}

function parseStage(entry: unknown, path: string, rules: DefinitionRules, problems: string[]): PipelineStage {
  if (!isObject(entry)) {
    problems.push(`${path} must be an object`);
    return { parallel: false, members: [] };
  }
  if (!('parallel' in entry)) return { parallel: false, members: [parseMember(entry, path, rules, problems)] };

  const extra = Object.keys(entry).filter((k) => k !== 'parallel');
  if (extra.length > 0) problems.push(`${path}: a parallel group takes only 'parallel' (unexpected: ${extra.join(', ')})`);
  const group = entry.parallel;
  if (!Array.isArray(group) || group.length === 0) {
    problems.push(`${path}.parallel must be a non-empty array of stages`);
    return { parallel: true, members: [] };
  }
  if (group.length > rules.maxParallel) problems.push(`${path}.parallel has ${group.length} stages; at most ${rules.maxParallel} are allowed`);
  const members = group.map((member, i) => {
    const memberPath = `${path}.parallel[${i}]`;
    if (isObject(member) && 'parallel' in member) {
      problems.push(`${memberPath}: parallel groups cannot be nested`);
      return null;
    }
    return parseMember(member, memberPath, rules, problems);
  });
  return { parallel: true, members: members.filter((m): m is StageMember => m !== null) };
}

function parseMember(entry: unknown, path: string, rules: DefinitionRules, problems: string[]): StageMember {
  if (!isObject(entry)) {
    problems.push(`${path} must be an object`);
    return { name: '', agentType: '', promptTemplate: null };
  }
  const extra = Object.keys(entry).filter((k) => !MEMBER_KEYS.includes(k));
  if (extra.length > 0) problems.push(`${path}: unexpected field(s) ${extra.join(', ')}`);

  const { name, agent_type: agentType, prompt_template: template, queue } = entry;
  if (typeof name !== 'string' || !STAGE_NAME.test(name)) problems.push(`${path}.name must be 1-64 letters, digits, '_' or '-'`);
  if (typeof agentType !== 'string' || agentType === '') problems.push(`${path}.agent_type is required`);
  else if (!rules.agentTypes.includes(agentType)) problems.push(`${path}.agent_type: unknown agent type '${agentType}'. Known types: ${rules.agentTypes.join(', ')}`);
  if (template !== undefined && template !== null && (typeof template !== 'string' || template.length > MAX_TEMPLATE_CHARS)) {
    problems.push(`${path}.prompt_template must be a string of at most ${MAX_TEMPLATE_CHARS} characters`);
  }
  if (queue !== undefined && (typeof queue !== 'string' || !rules.allowedQueues.includes(queue))) {
    problems.push(`${path}.queue: queue '${String(queue)}' is not allowed. Allowed: ${rules.allowedQueues.join(', ')}`);
  }
  return {
    name: typeof name === 'string' ? name : '',
    agentType: typeof agentType === 'string' ? agentType : '',
    promptTemplate: typeof template === 'string' ? template : null,
    ...(typeof queue === 'string' ? { queue } : {}),
  };
}

function checkNames(stages: PipelineStage[], problems: string[]): void {
  const seen = new Set<string>();
  for (const member of stages.flatMap((s) => s.members)) {
    if (member.name === '') continue;
    if (seen.has(member.name)) problems.push(`stage name '${member.name}' is used more than once; names must be unique in the pipeline`);
    seen.add(member.name);
  }
}

/** Templates may use the initial input, the previous stage's output and the outputs of EARLIER stages only. */
function checkTemplates(stages: PipelineStage[], index: number, problems: string[]): void {
  const earlier = new Set(stages.slice(0, index).flatMap((s) => s.members.map((m) => m.name)));
  for (const member of stages[index]!.members) {
    if (member.promptTemplate === null) continue;
    const where = `stage '${member.name}' prompt_template`;
    for (const key of placeholdersOf(member.promptTemplate)) {
      if (key.kind === TemplateKey.InitialInput) continue;
      if (key.kind === TemplateKey.PreviousOutput) {
        if (index === 0) problems.push(`${where}: {previous_output} is not available in the first stage (use {initial_input})`);
      } else if (key.kind === TemplateKey.StageOutput) {
        if (!earlier.has(key.stage)) problems.push(`${where}: {${key.raw}} does not name an earlier stage`);
      } else {
        problems.push(`${where}: unknown placeholder {${key.raw}} (use {initial_input}, {previous_output} or {stages.<name>.output})`);
      }
    }
  }
}
