import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../../errors/agent.errors.js';
import type { JsonValue } from '../../runtime/json.js';
import { checkAgainstSchema, type SchemaCheck } from '../../runtime/schemas/input-validation.js';
import { AgentRegistry } from './agent-registry.js';

/**
 * Holds every way an execution comes to be (a start, a conversation turn, a pipeline stage, a
 * spawned child) to its agent type's `inputSchema`. Types without one take any input as it is.
 */
@Injectable()
export class AgentInputCheck {
  constructor(private readonly registry: AgentRegistry) {}

  /** The input to store (the schema's output), or the field errors. An unknown type passes: its own check answers it. */
  async check(agentType: string, input: JsonValue): Promise<SchemaCheck<JsonValue>> {
    const schema = this.registry.get(agentType)?.inputSchema;
    if (!schema) return { ok: true, value: input };
    return (await checkAgainstSchema(schema, input)) as SchemaCheck<JsonValue>;
  }

  /** The input to store; `InvalidInputError` (400, field errors) when the schema rejects it. */
  async parse(agentType: string, input: JsonValue): Promise<JsonValue> {
    const checked = await this.check(agentType, input);
    if (!checked.ok) throw new InvalidInputError(agentType, checked.issues);
    return checked.value;
  }
}
