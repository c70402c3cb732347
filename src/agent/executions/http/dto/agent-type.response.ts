import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JSONSchema7 } from 'json-schema';
import { ApiObjectProperty } from '../../../http/api-json.property.js';
import type { AgentTypeView } from '../agent-type.view.js';

/** The OpenAPI description of `GET /api/agents/types` (`agent-type.view.ts` makes the values). */

export class AgentTypeLimitsResponse {
  @ApiProperty({ type: 'integer' }) max_steps: number;
  @ApiProperty({ type: 'integer' }) max_tokens: number;
  @ApiProperty({ type: 'integer' }) timeout_seconds: number;
}

export class AgentTypeResponse implements AgentTypeView {
  @ApiProperty({ example: 'code-assistant', description: 'What `agent_type` names in a start' }) name: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ example: 'agents-default' }) queue: string;
  @ApiProperty({ type: AgentTypeLimitsResponse }) limits: AgentTypeLimitsResponse;
  @ApiProperty({ type: 'integer', description: 'Steps a job runs before it hands the rest to the next job' }) chunk_size: number;
  @ApiObjectProperty('The JSON Schema of the input a start must give; null when the type takes any input or its schema has none', {
    nullable: true,
  })
  input_schema: JSONSchema7 | null;
  @ApiPropertyOptional({ description: 'Why an input schema that exists has no JSON Schema here' }) input_schema_note?: string;
  @ApiObjectProperty("The JSON Schema of a completed run's `output`, when the type declares one", { nullable: true })
  output_schema: JSONSchema7 | null;
  @ApiPropertyOptional({ description: 'Why an output schema that exists has no JSON Schema here' }) output_schema_note?: string;
}

export class AgentTypeListResponse {
  @ApiProperty({ type: [AgentTypeResponse] }) data: AgentTypeResponse[];
}
