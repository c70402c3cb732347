import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { BudgetState } from '../budget-exceeded.error.js';
import type { UsageLine, UsageSummary } from '../usage.service.js';

/** The OpenAPI description of what the usage and budget routes answer. */

export class PeriodResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive' }) to: string;
}

export class UsageLineResponse implements UsageLine {
  @ApiProperty({ type: 'integer' }) input_tokens: number;
  @ApiProperty({ type: 'integer' }) output_tokens: number;
  @ApiProperty() cost_usd: number;
  @ApiProperty({ type: 'integer', description: 'Model calls' }) requests: number;
}

export class ModelUsageResponse extends UsageLineResponse {
  @ApiProperty() model: string;
}

export class UserUsageResponse extends UsageLineResponse {
  @ApiProperty() user_id: string;
}

export class UsageSummaryResponse implements UsageSummary {
  @ApiProperty({ type: PeriodResponse }) period: PeriodResponse;
  @ApiProperty({ type: [ModelUsageResponse] }) by_model: ModelUsageResponse[];
  @ApiProperty({ type: UsageLineResponse }) totals: UsageLineResponse;
  @ApiPropertyOptional({ type: [UserUsageResponse], description: "An admin's tenant-wide summary only" }) by_user?: UserUsageResponse[];
}

export class BudgetStateResponse implements BudgetState {
  @ApiProperty({ enum: ['user', 'tenant'] }) scope: 'user' | 'tenant';
  @ApiProperty({ type: PeriodResponse }) period: PeriodResponse;
  @ApiProperty({ type: 'integer', nullable: true }) limit_tokens: number | null;
  @ApiProperty({ type: Number, nullable: true }) limit_usd: number | null;
  @ApiProperty({ type: 'integer' }) spent_tokens: number;
  @ApiProperty() spent_usd: number;
  @ApiProperty({ type: 'integer', description: 'Held by steps running now' }) reserved_tokens: number;
  @ApiProperty() reserved_usd: number;
}

export class BudgetReportResponse {
  @ApiProperty({ type: [BudgetStateResponse] }) budgets: BudgetStateResponse[];
}

export class BudgetSetResponse {
  @ApiProperty({ type: String, nullable: true, description: "null: the tenant's budget" }) user_id: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) monthly_tokens: number | null;
  @ApiProperty({ type: Number, nullable: true }) monthly_usd: number | null;
}
