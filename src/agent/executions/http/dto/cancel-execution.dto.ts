import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

export class CancelExecutionDto {
  /** How long the step in flight may still run before the cancel becomes a force kill. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 3_600_000, description: 'Milliseconds the step in flight may still run' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  grace_ms?: number;
}
