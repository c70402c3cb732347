import { IsISO8601, IsOptional } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** A period; both ends default to this month (UTC). `to` is exclusive. */
export class UsageQuery {
  @ApiPropertyOptional({ description: 'Start of the period (ISO 8601); default the first of this month, UTC', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({
    description: 'End of the period, exclusive (ISO 8601); default the first of next month. At most 366 days after `from`',
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
