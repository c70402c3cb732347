/**
 * The library's tables and their migrations, composed by `AgentModule` from its features and handed
 * to the infrastructure, which opens, checks and migrates the database without knowing any feature.
 */
export interface AgentSchema {
  entities: Function[];
  migrations: Function[];
}

export const AGENT_SCHEMA = Symbol('AGENT_SCHEMA');
