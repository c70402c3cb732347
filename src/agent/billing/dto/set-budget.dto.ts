import { IsInt, IsNumber, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** The largest `numeric(14, 6)` holds: below 10^8 dollars. */
const MAX_MONTHLY_USD = 99_999_999;

/** An admin's monthly budget for one user of the tenant, or (without `user_id`) the whole tenant; both limits null = no budget. */
export class SetBudgetDto {
  @ApiPropertyOptional({ description: "The user whose budget this is; absent: the tenant's", minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;
  @ApiPropertyOptional({ description: 'Tokens a month; null: no token limit', type: 'integer', minimum: 0, nullable: true })
  @ValidateIf((o: SetBudgetDto) => o.monthly_tokens !== null)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  monthly_tokens?: number | null;
  @ApiPropertyOptional({
    description: 'US dollars a month; null: no cost limit',
    type: 'number',
    minimum: 0,
    maximum: MAX_MONTHLY_USD,
    nullable: true,
  })
  @ValidateIf((o: SetBudgetDto) => o.monthly_usd !== null)
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_MONTHLY_USD)
  monthly_usd?: number | null;
}
