/** The options after defaults and validation (`ResolvedAgentOptions`). */
export const AGENT_OPTIONS = Symbol('AGENT_OPTIONS');
/** The library's own TypeORM DataSource, separate from any the host app has. */
export const AGENTS_DATA_SOURCE = Symbol('AGENTS_DATA_SOURCE');
/** Metadata key of `@Agent()`. */
export const AGENT_METADATA = 'nestjs-agents:agent';
