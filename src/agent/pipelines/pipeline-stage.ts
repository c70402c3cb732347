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
