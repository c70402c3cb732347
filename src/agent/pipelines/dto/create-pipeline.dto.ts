import { ArrayNotEmpty, IsArray, IsDefined, IsObject, IsOptional } from 'class-validator';
import type { JsonObject, JsonValue } from '../../runtime/json.js';

export class CreatePipelineDto {
  /**
   * `[{ name, agent_type, prompt_template?, queue? } | { parallel: [...] }]`: a union class-validator
   * cannot express, so the stages are checked in full by `parsePipelineStages` (every problem listed).
   */
  @IsArray({ message: 'stages must be a non-empty array' })
  @ArrayNotEmpty({ message: 'stages must be a non-empty array' })
  stages: unknown[];
  /** Any JSON: `{initial_input}` in the templates (a string as it is, anything else as JSON). */
  @IsDefined({ message: 'input is required (any JSON value)' }) input: JsonValue;
  @IsOptional() @IsObject() metadata?: JsonObject;
}
