/** Metadata key of `@Agent()`. */
export const AGENT_METADATA = 'nestjs-agents:agent';
