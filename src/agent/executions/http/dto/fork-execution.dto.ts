import { IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import type { JsonObject, JsonValue } from '../../../runtime/json.js';

export class ForkExecutionDto {
  /** The committed step whose state the fork starts from (0: from the start). */
  @IsInt({ message: 'step must be an integer' }) @Min(0, { message: 'step must be ≥ 0' }) @Max(2_147_483_647) step: number;
  /** Another input for the fork (default: the original's). */
  @IsOptional() input?: JsonValue;
  @IsOptional() @IsObject() metadata?: JsonObject;
}
