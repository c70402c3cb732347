import type { PipelineStage, StageMember } from './pipeline-stage.js';

/** A member as stored in `agent_pipelines.stages`: the API's field names, with the queue resolved at creation. */
interface StoredMember {
  name: string;
  agent_type: string;
  prompt_template: string | null;
  queue: string;
}

export type StoredStage = StoredMember | { parallel: StoredMember[] };

/**
 * NOTE: queues are resolved once, when the pipeline is admitted: a later stage runs where the
 * pipeline was allowed to run, even if the tier's policy changed meanwhile (a consequence must not fail on it).
 */
export function toStoredStages(stages: PipelineStage[], queueOf: (member: StageMember) => string): StoredStage[] {
  const store = (m: StageMember): StoredMember => ({
    name: m.name,
    agent_type: m.agentType,
    prompt_template: m.promptTemplate,
    queue: queueOf(m),
  });
  return stages.map((s) => (s.parallel ? { parallel: s.members.map(store) } : store(s.members[0]!)));
}

/** The stored definition, typed again; each member's `queue` is the resolved one. */
export function fromStoredStages(stored: unknown): PipelineStage[] {
  const load = (m: StoredMember): StageMember => ({
    name: m.name,
    agentType: m.agent_type,
    promptTemplate: m.prompt_template,
    queue: m.queue,
  });
  return (stored as StoredStage[]).map((s) =>
    'parallel' in s ? { parallel: true, members: s.parallel.map(load) } : { parallel: false, members: [load(s)] },
  );
}
