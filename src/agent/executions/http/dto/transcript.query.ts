import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** A page of an execution's messages, oldest first. */
export class TranscriptQuery {
  // NOTE: a message's `seq` is an int column: the cursor cannot be larger.
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'The `next_cursor` of the previous page (messages after this `seq`)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'cursor must be a next_cursor from a previous page' })
  @Min(0, { message: 'cursor must be a next_cursor from a previous page' })
  @Max(2_147_483_647, { message: 'cursor must be a next_cursor from a previous page' })
  cursor?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
