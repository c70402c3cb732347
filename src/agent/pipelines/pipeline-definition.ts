import { InvalidPipelineError } from '../errors/pipeline.errors.js';
import type { PipelineStage, StageMember } from './pipeline-stage.js';
import { placeholdersOf, TemplateKey } from './pipeline-template.js';

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
/** Past this many problems the check stops: a definition that bad is told what is first wrong, not everything. */
const MAX_PROBLEMS = 10;

/** Stops the walk of a definition once it has said enough. */
class TooManyProblems extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a pipeline definition as the API receives it (`[{ name, agent_type, prompt_template?,
 * queue? } | { parallel: [...] }]`) and returns it typed. Problems are collected (up to
 * `MAX_PROBLEMS`), so a bad definition answers 400 once with them, before anything is written.
 * The check is linear in the definition's size, and a definition over the stage or group limits
 * is refused before any of it is read: a huge one costs nothing.
 */
export function parsePipelineStages(raw: unknown, rules: DefinitionRules): PipelineStage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new InvalidPipelineError(['stages must be a non-empty array']);
  refuseOversize(raw, rules);
  const problems: string[] = [];
  const report = (problem: string) => {
    problems.push(problem);
    if (problems.length >= MAX_PROBLEMS) throw new TooManyProblems();
  };
  try {
    const stages = raw.map((entry, index) => parseStage(entry, `stages[${index}]`, rules, report));
    checkNames(stages, report);
    checkTemplates(stages, report);
    if (problems.length > 0) throw new InvalidPipelineError(problems);
    return stages;
  } catch (error) {
    if (error instanceof TooManyProblems)
      throw new InvalidPipelineError([...problems, `(the check stopped after ${MAX_PROBLEMS} problems)`]);
    throw error;
  }
}

/**
 * Refuses a definition over the stage or group limits, reading no more than `maxStages` entries:
 * run before anything else looks at the body (`PipelineSizeGuard`), it answers a 2 MB one at once.
 */
export function refuseOversize(raw: unknown, rules: Pick<DefinitionRules, 'maxStages' | 'maxParallel'>): void {
  if (!Array.isArray(raw)) return;
  if (raw.length > rules.maxStages)
    throw new InvalidPipelineError([`stages has ${raw.length} stages; at most ${rules.maxStages} are allowed`]);
  for (const [index, entry] of raw.entries()) {
    const group = isObject(entry) ? entry.parallel : undefined;
    if (Array.isArray(group) && group.length > rules.maxParallel) {
      throw new InvalidPipelineError([`stages[${index}].parallel has ${group.length} stages; at most ${rules.maxParallel} are allowed`]);
    }
  }
}

type Report = (problem: string) => void;

function parseStage(entry: unknown, path: string, rules: DefinitionRules, report: Report): PipelineStage {
  if (!isObject(entry)) {
    report(`${path} must be an object`);
    return { parallel: false, members: [] };
  }
  if (!('parallel' in entry)) return { parallel: false, members: [parseMember(entry, path, rules, report)] };

  const extra = Object.keys(entry).filter((k) => k !== 'parallel');
  if (extra.length > 0) report(`${path}: a parallel group takes only 'parallel' (unexpected: ${extra.join(', ')})`);
  const group = entry.parallel;
  if (!Array.isArray(group) || group.length === 0) {
    report(`${path}.parallel must be a non-empty array of stages`);
    return { parallel: true, members: [] };
  }
  const members = group.map((member, i) => {
    const memberPath = `${path}.parallel[${i}]`;
    if (isObject(member) && 'parallel' in member) {
      report(`${memberPath}: parallel groups cannot be nested`);
      return null;
    }
    return parseMember(member, memberPath, rules, report);
  });
  return { parallel: true, members: members.filter((m): m is StageMember => m !== null) };
}

function parseMember(entry: unknown, path: string, rules: DefinitionRules, report: Report): StageMember {
  if (!isObject(entry)) {
    report(`${path} must be an object`);
    return { name: '', agentType: '', promptTemplate: null };
  }
  const extra = Object.keys(entry).filter((k) => !MEMBER_KEYS.includes(k));
  if (extra.length > 0) report(`${path}: unexpected field(s) ${extra.join(', ')}`);

  const { name, agent_type: agentType, prompt_template: template, queue } = entry;
  if (typeof name !== 'string' || !STAGE_NAME.test(name)) report(`${path}.name must be 1-64 letters, digits, '_' or '-'`);
  if (typeof agentType !== 'string' || agentType === '') report(`${path}.agent_type is required`);
  else if (!rules.agentTypes.includes(agentType))
    report(`${path}.agent_type: unknown agent type '${agentType}'. Known types: ${rules.agentTypes.join(', ')}`);
  if (template !== undefined && template !== null && (typeof template !== 'string' || template.length > MAX_TEMPLATE_CHARS)) {
    report(`${path}.prompt_template must be a string of at most ${MAX_TEMPLATE_CHARS} characters`);
  }
  if (queue !== undefined && (typeof queue !== 'string' || !rules.allowedQueues.includes(queue))) {
    report(`${path}.queue: queue '${String(queue)}' is not allowed. Allowed: ${rules.allowedQueues.join(', ')}`);
  }
  return {
    name: typeof name === 'string' ? name : '',
    agentType: typeof agentType === 'string' ? agentType : '',
    promptTemplate: typeof template === 'string' ? template : null,
    ...(typeof queue === 'string' ? { queue } : {}),
  };
}

function checkNames(stages: PipelineStage[], report: Report): void {
  const seen = new Set<string>();
  for (const member of stages.flatMap((s) => s.members)) {
    if (member.name === '') continue;
    if (seen.has(member.name)) report(`stage name '${member.name}' is used more than once; names must be unique in the pipeline`);
    seen.add(member.name);
  }
}

/** Templates may use the initial input, the previous stage's output and the outputs of EARLIER stages only. */
function checkTemplates(stages: PipelineStage[], report: Report): void {
  const earlier = new Set<string>();
  stages.forEach((stage, index) => {
    for (const member of stage.members) {
      if (member.promptTemplate === null) continue;
      const where = `stage '${member.name}' prompt_template`;
      for (const key of placeholdersOf(member.promptTemplate)) {
        if (key.kind === TemplateKey.InitialInput) continue;
        if (key.kind === TemplateKey.PreviousOutput) {
          if (index === 0) report(`${where}: {previous_output} is not available in the first stage (use {initial_input})`);
        } else if (key.kind === TemplateKey.StageOutput) {
          if (!earlier.has(key.stage)) report(`${where}: {${key.raw}} does not name an earlier stage`);
        } else {
          report(`${where}: unknown placeholder {${key.raw}} (use {initial_input}, {previous_output} or {stages.<name>.output})`);
        }
      }
    }
    for (const member of stage.members) earlier.add(member.name);
  });
}
