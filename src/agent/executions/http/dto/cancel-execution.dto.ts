import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class CancelExecutionDto {
  /** How long the step in flight may still run before the cancel becomes a force kill. */
  @IsOptional() @IsInt() @Min(0) @Max(3_600_000) grace_ms?: number;
}
