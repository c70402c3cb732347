/** The options after defaults and validation (`ResolvedAgentOptions`). */
export const AGENT_OPTIONS = Symbol('AGENT_OPTIONS');
/** Metadata key of `@Agent()`. */
export const AGENT_METADATA = 'nestjs-agents:agent';
