import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { BulkCancelOutcome, type BulkCancelLine } from '../../lifecycle/bulk-cancel.js';
import { ExecutionStatus } from '../../execution-status.js';

/** Most executions one bulk cancel names. */
export const MAX_BULK_CANCEL = 200;

export class BulkCancelDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: MAX_BULK_CANCEL, uniqueItems: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_CANCEL)
  @ArrayUnique({ message: 'ids must not repeat an id' })
  @IsUUID('all', { each: true, message: 'each of ids must be a UUID' })
  ids: string[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 3_600_000, description: 'Milliseconds a running step may still run' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  grace_ms?: number;
}

export class BulkCancelLineResponse implements BulkCancelLine {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: Object.values(BulkCancelOutcome),
    description:
      '`cancelled` at once; `cancelling`: running, it stops at the end of its step; `already_finished`: nothing changed; `not_found`: not in the tenant',
  })
  outcome: BulkCancelOutcome;
  @ApiProperty({ enum: Object.values(ExecutionStatus), nullable: true, description: 'Its status now; null when not found' })
  status: ExecutionStatus | null;
}

export class BulkCancelResponse {
  @ApiProperty({ type: [BulkCancelLineResponse], description: 'One line per id, in the order given' })
  results: BulkCancelLineResponse[];
}
