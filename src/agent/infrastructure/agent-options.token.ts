/**
 * The module's options after defaults and validation (`ResolvedAgentOptions`), provided by
 * `AgentModule`'s global core module.
 *
 * NOTE: one token, injected typed as the part a class reads: its feature's resolved options and
 * those of folders below it (`options: ResolvedPipelineOptions & ResolvedExecutionOptions`). The
 * options are resolved and checked once, as one object, so one token hands them out and stays the
 * one `getAgentOptionsToken()` / `@InjectAgentOptions()` pair for hosts and tests; the narrow types
 * keep a feature from knowing the others. Here, the lowest folder that reads options, so no
 * feature imports the root for it.
 */
export const AGENT_OPTIONS = Symbol('AGENT_OPTIONS');
