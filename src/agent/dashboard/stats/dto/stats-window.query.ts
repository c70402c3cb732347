import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { STATS_WINDOWS, type StatsWindow } from '../stats-window.js';

/** `?window=hour|day|week`: the last hour in 1-minute buckets (the default), the last day in 10-minute ones, the last week in hours. */
export class StatsWindowQuery {
  @ApiPropertyOptional({
    enum: STATS_WINDOWS,
    default: 'hour',
    description: 'hour: 60 buckets of 1 minute; day: 144 of 10 minutes; week: 168 of 1 hour. The newest bucket is the one now falls in.',
  })
  @IsOptional()
  @IsIn(STATS_WINDOWS)
  window?: StatsWindow;
}
