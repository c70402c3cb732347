import { ArrayNotEmpty, IsArray, IsDefined, IsObject, IsOptional } from 'class-validator';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import { ApiProperty } from '@nestjs/swagger';
import { ApiJsonProperty, ApiObjectProperty } from '../../http/api-json.property.js';

export class CreatePipelineDto {
  /**
   * `[{ name, agent_type, prompt_template?, queue? } | { parallel: [...] }]`: a union class-validator
   * cannot express, so the stages are checked in full by `parsePipelineStages` (every problem listed).
   */
  @ApiProperty({
    description: 'Stages in order: `{ name, agent_type, prompt_template?, queue? }`, or `{ parallel: [stage, …] }` run side by side',
    type: 'array',
    minItems: 1,
    items: { type: 'object', additionalProperties: true },
  })
  @IsArray({ message: 'stages must be a non-empty array' })
  @ArrayNotEmpty({ message: 'stages must be a non-empty array' })
  stages: unknown[];
  /** Any JSON: `{initial_input}` in the templates (a string as it is, anything else as JSON). */
  @ApiJsonProperty('`{initial_input}` in the templates (a string as it is, anything else as JSON)')
  @IsDefined({ message: 'input is required (any JSON value)' })
  input: JsonValue;
  @ApiObjectProperty('Yours, returned as given', { required: false }) @IsOptional() @IsObject() metadata?: JsonObject;
}
