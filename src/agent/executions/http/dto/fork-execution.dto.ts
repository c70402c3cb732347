import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import { ApiJsonProperty, ApiObjectProperty } from '../../../http/api-json.property.js';
import type { JsonObject, JsonValue } from '../../../runtime/json.js';

export class ForkExecutionDto {
  /** The committed step whose state the fork starts from (0: from the start). */
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: 2_147_483_647,
    description: 'The committed step whose state the fork starts from (0: from the start); at most the original’s `step_count`',
  })
  @IsInt({ message: 'step must be an integer' })
  @Min(0, { message: 'step must be ≥ 0' })
  @Max(2_147_483_647)
  step: number;
  /** Another input for the fork (default: the original's). */
  @ApiJsonProperty('Another input for the fork, checked against the agent type’s input schema (default: the original’s)', {
    required: false,
  })
  @IsOptional()
  input?: JsonValue;
  @ApiObjectProperty('The fork’s own metadata (yours, returned as given)', { required: false })
  @IsOptional()
  @IsObject()
  metadata?: JsonObject;
}
