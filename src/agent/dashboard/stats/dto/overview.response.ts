import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { BudgetStateResponse } from '../../../billing/dto/usage.response.js';
import { ExecutionStatus } from '../../../executions/execution-status.js';
import { STATS_WINDOWS, type StatsWindow } from '../stats-window.js';
import type { DashboardAlert, DurationPercentiles, OverviewBucket, OverviewView, ParkedStatus } from '../stats-views.js';

/** The OpenAPI description of `GET /api/admin/dashboard/overview`. */

export class DurationPercentilesResponse implements DurationPercentiles {
  @ApiProperty({ type: 'integer', nullable: true, description: 'Median, ms, to two significant digits; null when nothing was measured' })
  p50_ms: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: '95th percentile, ms, to two significant digits' })
  p95_ms: number | null;
}

/** What the three statistics routes share: the window and its buckets. */
export class StatsWindowResponse {
  @ApiProperty({ enum: STATS_WINDOWS }) window: StatsWindow;
  @ApiProperty({ format: 'date-time', description: "The oldest bucket's start" }) from: string;
  @ApiProperty({ format: 'date-time', description: "The newest bucket's end (exclusive): that bucket is still filling" }) to: string;
  @ApiProperty({ type: 'integer', description: '60, 600 or 3600' }) bucket_seconds: number;
}

class OverviewFiguresResponse {
  @ApiProperty({ type: 'integer', description: 'Executions created (started through the API, a schedule, a turn, a stage, a subagent)' })
  started: number;
  @ApiProperty({ type: 'integer' }) completed: number;
  @ApiProperty({ type: 'integer' }) failed: number;
  @ApiProperty({ type: 'integer' }) cancelled: number;
  @ApiProperty({ type: 'integer', description: 'Steps committed' }) steps: number;
  @ApiProperty({ type: DurationPercentilesResponse, description: "Steps' durations" }) step: DurationPercentilesResponse;
  @ApiProperty({
    type: DurationPercentilesResponse,
    description: 'Queue wait: from becoming ready (created, woken, resumed, due) to a worker taking the lease',
  })
  wait: DurationPercentilesResponse;
  @ApiProperty({ type: 'integer' }) input_tokens: number;
  @ApiProperty({ type: 'integer' }) output_tokens: number;
  @ApiProperty() cost_usd: number;
}

export class OverviewBucketResponse extends OverviewFiguresResponse implements OverviewBucket {
  @ApiProperty({ format: 'date-time', description: "The bucket's start" }) at: string;
}

export class OverviewTotalsResponse extends OverviewFiguresResponse {
  @ApiProperty({ type: Number, nullable: true, description: 'failed ÷ (completed + failed + cancelled); null when nothing finished' })
  failure_rate: number | null;
}

class ParkedCountsResponse implements Record<ParkedStatus, number> {
  @ApiProperty({ type: 'integer' }) scheduled: number;
  @ApiProperty({ type: 'integer' }) pending: number;
  @ApiProperty({ type: 'integer' }) paused: number;
  @ApiProperty({ type: 'integer' }) awaiting_input: number;
  @ApiProperty({ type: 'integer' }) awaiting_event: number;
  @ApiProperty({ type: 'integer' }) awaiting_children: number;
}

class CurrentResponse {
  @ApiProperty({ type: 'integer' }) running: number;
  @ApiProperty({ type: ParkedCountsResponse }) parked: ParkedCountsResponse;
}

export class StuckExecutionAlertResponse {
  @ApiProperty({ enum: ['stuck_execution'] }) kind: 'stuck_execution';
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty() agent_type: string;
  @ApiProperty() user_id: string;
  @ApiProperty({ enum: Object.values(ExecutionStatus) }) status: ExecutionStatus;
  @ApiProperty({ format: 'date-time', description: 'Its last heartbeat (running), since it was pending, or when it fell due (scheduled)' })
  since: string;
  @ApiProperty() message: string;
}

export class FailingAgentTypeAlertResponse {
  @ApiProperty({ enum: ['failing_agent_type'] }) kind: 'failing_agent_type';
  @ApiProperty() agent_type: string;
  @ApiProperty({ type: 'integer' }) failed: number;
  @ApiProperty({ type: 'integer' }) finished: number;
  @ApiProperty() failure_rate: number;
  @ApiProperty() message: string;
}

export class BudgetNearLimitAlertResponse {
  @ApiProperty({ enum: ['budget_near_limit'] }) kind: 'budget_near_limit';
  @ApiProperty({ type: String, nullable: true, description: "null: the tenant's budget" }) user_id: string | null;
  @ApiProperty({ description: '(spent + reserved) ÷ limit, the larger of tokens and dollars' }) used_ratio: number;
  @ApiProperty({ type: BudgetStateResponse }) budget: BudgetStateResponse;
  @ApiProperty() message: string;
}

@ApiExtraModels(StuckExecutionAlertResponse, FailingAgentTypeAlertResponse, BudgetNearLimitAlertResponse)
export class OverviewResponse extends StatsWindowResponse implements OverviewView {
  @ApiProperty({ type: [OverviewBucketResponse], description: 'One per bucket, oldest first; empty buckets are zeros' })
  series: OverviewBucketResponse[];
  @ApiProperty({ type: OverviewTotalsResponse, description: 'The whole window' }) totals: OverviewTotalsResponse;
  @ApiProperty({ type: CurrentResponse, description: 'Right now: executions running, and parked ones by status' }) current: CurrentResponse;
  @ApiProperty({
    type: 'array',
    items: {
      oneOf: [
        { $ref: getSchemaPath(StuckExecutionAlertResponse) },
        { $ref: getSchemaPath(FailingAgentTypeAlertResponse) },
        { $ref: getSchemaPath(BudgetNearLimitAlertResponse) },
      ],
      discriminator: { propertyName: 'kind' },
    },
    description: 'Stuck executions (longest first), failing agent types, budgets near their limit',
  })
  alerts: DashboardAlert[];
}
