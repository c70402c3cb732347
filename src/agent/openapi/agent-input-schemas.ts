import type { OpenAPIObject, OperationObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import type { AgentRegistry } from '../executions/registry/agent-registry.js';
import { componentName, toOpenApiSchema } from './openapi-schema-object.js';

/** The schema of `POST /api/agents`'s body, named after its DTO. */
const START_BODY = 'StartExecutionDto';
const COMPONENTS = '#/components/schemas/';

/** The component of an agent type's input (`AgentInput_code-assistant`). */
export const agentInputComponent = (type: string): string => componentName('AgentInput', type);
/** The component of a start of one agent type (`StartExecution_code-assistant`). */
export const startComponent = (type: string): string => componentName('StartExecution', type);

/**
 * What the document says about each agent type's input: `agent_type` lists the registered types;
 * each type's input JSON Schema is a component (`AgentInput_<type>`), and the start body is a
 * `oneOf` of one start per type (`StartExecution_<type>`, its `input` that type's schema),
 * discriminated by `agent_type`, so generated clients and Swagger UI show what each type takes.
 */
export function describeAgentInputs(document: OpenAPIObject, registry: AgentRegistry): OpenAPIObject {
  const schemas = (document.components ??= {}).schemas ?? {};
  const body = schemas[START_BODY];
  const agentType = body && 'properties' in body ? body.properties?.agent_type : undefined;
  const agents = registry.all();
  if (!agentType || !('type' in agentType) || agents.length === 0) return document;
  agentType.enum = agents.map((agent) => agent.name);

  const inputs = registry.inputJsonSchemas();
  for (const [type, jsonSchema] of Object.entries(inputs)) {
    const converted = toOpenApiSchema(jsonSchema, agentInputComponent(type));
    Object.assign(schemas, converted.components, { [agentInputComponent(type)]: converted.schema });
  }
  for (const agent of agents) {
    const own: SchemaObject = {
      type: 'object',
      properties: {
        agent_type: { type: 'string', enum: [agent.name] },
        ...(inputs[agent.name] ? { input: { $ref: `${COMPONENTS}${agentInputComponent(agent.name)}` } } : {}),
      },
    };
    const note = agent.input && 'note' in agent.input ? ` Its input schema is not shown: ${agent.input.note}` : '';
    schemas[startComponent(agent.name)] = {
      description: `A start of \`${agent.name}\`${agent.description ? `: ${agent.description}` : ''}.${note}`,
      allOf: [{ $ref: `${COMPONENTS}${START_BODY}` }, own],
    };
  }
  document.components.schemas = schemas;
  for (const operation of startOperations(document)) describeStart(operation, agents, inputs);
  return document;
}

/** The start body as one start per agent type, chosen by `agent_type`, and the inputs listed in words. */
function describeStart(operation: OperationObject, agents: { name: string }[], inputs: Record<string, unknown>): void {
  const content = (operation.requestBody as { content: Record<string, { schema: SchemaObject | ReferenceObject }> }).content;
  content['application/json']!.schema = {
    oneOf: agents.map((agent) => ({ $ref: `${COMPONENTS}${startComponent(agent.name)}` })),
    discriminator: {
      propertyName: 'agent_type',
      mapping: Object.fromEntries(agents.map((agent) => [agent.name, `${COMPONENTS}${startComponent(agent.name)}`])),
    },
  };
  const listed = agents.map(
    (agent) => `- \`${agent.name}\`: ${inputs[agent.name] ? `\`input\` as \`${agentInputComponent(agent.name)}\`` : 'any JSON `input`'}`,
  );
  const intro = 'The `input` each agent type takes (checked at the start: a 400 says what does not match):';
  operation.description = [operation.description, `${intro}\n\n${listed.join('\n')}`].filter(Boolean).join('\n\n');
}

/** The operations whose body is the start DTO: `POST /api/agents` wherever the prefixes put it. */
function startOperations(document: OpenAPIObject): OperationObject[] {
  const found: OperationObject[] = [];
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as unknown[]) {
      const body = (operation as OperationObject | undefined)?.requestBody;
      const schema = body && 'content' in body ? body.content['application/json']?.schema : undefined;
      if (schema && '$ref' in schema && schema.$ref === `${COMPONENTS}${START_BODY}`) found.push(operation as OperationObject);
    }
  }
  return found;
}
