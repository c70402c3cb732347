import { IsISO8601, IsOptional } from 'class-validator';

/** A period; both ends default to this month (UTC). `to` is exclusive. */
export class UsageQuery {
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
}
