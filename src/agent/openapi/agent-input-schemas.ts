import type { OpenAPIObject } from '@nestjs/swagger';
import type { AgentRegistry } from '../executions/registry/agent-registry.js';

/** The schema of `POST /api/agents`'s body, named after its DTO. */
const START_BODY = 'StartExecutionDto';

/**
 * What the document says about each agent type's input. Today: `agent_type` lists the registered
 * types. NOTE: this is the place for per-agent input JSON Schemas (one component per type, e.g.
 * `AgentInput_<type>`, and `input` in the start body as a `oneOf` of them discriminated by
 * `agent_type`) once agent definitions carry an input schema.
 */
export function describeAgentInputs(document: OpenAPIObject, registry: AgentRegistry): OpenAPIObject {
  const body = document.components?.schemas?.[START_BODY];
  const agentType = body && 'properties' in body ? body.properties?.agent_type : undefined;
  const names = registry.names();
  if (agentType && 'type' in agentType && names.length > 0) agentType.enum = names;
  return document;
}
