import { ApiProperty } from '@nestjs/swagger';
import { BudgetStateResponse, ModelUsageResponse, UserUsageResponse } from '../../../billing/dto/usage.response.js';
import type { UsageView } from '../stats-views.js';
import { StatsWindowResponse } from './overview.response.js';

/** The OpenAPI description of `GET /api/admin/dashboard/usage`. */

class UsageBucketResponse {
  @ApiProperty({ format: 'date-time', description: "The bucket's start" }) at: string;
  @ApiProperty({ type: 'integer' }) input_tokens: number;
  @ApiProperty({ type: 'integer' }) output_tokens: number;
  @ApiProperty() cost_usd: number;
}

class TenantBudgetResponse extends BudgetStateResponse {
  @ApiProperty({ type: String, nullable: true, description: "null: the tenant's budget" }) user_id: string | null;
}

export class DashboardUsageResponse extends StatsWindowResponse implements UsageView {
  @ApiProperty({ type: [UsageBucketResponse], description: 'One per bucket, oldest first' }) series: UsageBucketResponse[];
  @ApiProperty({ type: [ModelUsageResponse], description: 'Over the window, the costliest first' }) by_model: ModelUsageResponse[];
  @ApiProperty({ type: [UserUsageResponse], description: 'Over the window, the costliest first' }) by_user: UserUsageResponse[];
  @ApiProperty({
    type: [TenantBudgetResponse],
    description: "This month: the tenant's budget (when one is set) and each user's that has one, with what is spent and reserved",
  })
  budgets: TenantBudgetResponse[];
}
