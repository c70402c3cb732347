import { IsInt, IsNumber, IsOptional, IsString, Length, Min, ValidateIf } from 'class-validator';

/** An admin's monthly budget for one user of the tenant, or (without `user_id`) the whole tenant; both limits null = no budget. */
export class SetBudgetDto {
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
  @ValidateIf((o: SetBudgetDto) => o.monthly_tokens !== null) @IsOptional() @IsInt() @Min(0) monthly_tokens?: number | null;
  @ValidateIf((o: SetBudgetDto) => o.monthly_usd !== null) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) monthly_usd?: number | null;
}
