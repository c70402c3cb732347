import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { LimitUsage, LimitsReport } from '../../../errors/rate-limited.error.js';
import { ApiJsonProperty, ApiObjectProperty } from '../../../http/api-json.property.js';
import type { JsonObject, JsonValue } from '../../../runtime/json.js';
import type { RealtimeToken } from '../../../tenancy/realtime-token.service.js';
import { ExecutionStatus, type ExecutionError } from '../../execution-status.js';
import type { ExecutionView, LogView } from '../execution.view.js';
import type { PendingApproval } from '../../pending-approvals.js';

/** The OpenAPI description of what the execution routes answer (`execution.view.ts` makes the values). */

export class LogResponse implements LogView {
  @ApiProperty({ type: 'integer', description: 'Increasing per execution: the cursor of `after_id` and the SSE event id' }) id: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The step it belongs to' }) step_number: number | null;
  @ApiProperty({ enum: ['debug', 'info', 'warning', 'error'] }) level: string;
  @ApiProperty({ example: 'step_completed' }) event_type: string;
  @ApiProperty() message: string;
  @ApiObjectProperty('Structured details of the event') context: JsonObject;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ExecutionErrorResponse implements ExecutionError {
  @ApiProperty({ example: 'max_steps_exceeded' }) code: string;
  @ApiProperty() message: string;
}

export class PendingApprovalResponse implements PendingApproval {
  @ApiProperty({ description: 'Names the decision: POST /api/agents/:id/approvals/:approval_id' }) approval_id: string;
  @ApiProperty() tool_call_id: string;
  @ApiProperty() tool_name: string;
  @ApiJsonProperty('What the model asked the tool for') input: JsonValue;
  @ApiProperty({ format: 'date-time' }) requested_at: string;
}

export class ExecutionResponse implements ExecutionView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() agent_type: string;
  @ApiProperty({ example: '1', description: 'The version of the agent type that started it, and runs every step' }) agent_version: string;
  @ApiProperty({ enum: Object.values(ExecutionStatus) }) status: ExecutionStatus;
  @ApiProperty({ example: 'agents-default' }) queue: string;
  @ApiProperty({ type: 'integer' }) step_count: number;
  @ApiProperty({ type: 'integer', description: 'Input and output tokens of every model call' }) token_usage: number;
  @ApiProperty() cost_usd: number;
  @ApiJsonProperty('As started') input: JsonValue;
  @ApiJsonProperty('The final answer, once completed') output: JsonValue | null;
  @ApiProperty({ type: ExecutionErrorResponse, nullable: true }) error: ExecutionError | null;
  @ApiObjectProperty('As started, plus what the library notes (`force_killed`, …)') metadata: JsonObject;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) conversation_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) pipeline_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) parent_execution_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The execution this one was forked from' })
  forked_from_execution_id: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The step of that execution it starts after' }) forked_from_step:
    number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The failed or cancelled execution this retry starts again' })
  retried_from_execution_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) paused_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a scheduled or sleeping execution is due to run' })
  scheduled_for: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'From start to end (or to now while it runs)' }) duration_seconds:
    number | null;
  @ApiProperty({ type: [PendingApprovalResponse], description: 'Tool calls waiting for a decision (empty when none)' })
  pending_approvals: PendingApproval[];
  @ApiPropertyOptional({ type: [LogResponse], description: 'The latest logs, where the route says so' }) logs?: LogView[];
}

/** An execution in the admin list and the admin's view: whose it is, too. */
export class OwnedExecutionResponse extends ExecutionResponse {
  @ApiProperty() user_id: string;
  @ApiPropertyOptional({ type: 'integer', description: 'In the list: how many logs it has' }) log_count?: number;
}

export class ExecutionPageResponse {
  @ApiProperty({ type: [ExecutionResponse] }) data: ExecutionResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}

export class OwnedExecutionPageResponse {
  @ApiProperty({ type: [OwnedExecutionResponse] }) data: OwnedExecutionResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}

export class LogPageResponse {
  @ApiProperty({ type: [LogResponse] }) data: LogResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after_id` for the next page; null on the last' }) next_cursor:
    string | null;
}

export class LimitUsageResponse implements LimitUsage {
  @ApiProperty({ type: 'integer' }) used: number;
  @ApiProperty({ type: 'integer' }) limit: number;
  @ApiProperty({ type: 'integer' }) remaining: number;
}

export class HourlyLimitResponse extends LimitUsageResponse {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the oldest start in the window leaves it' })
  resets_at: string | null;
}

export class LimitsResponse implements LimitsReport {
  @ApiProperty({ type: LimitUsageResponse }) concurrent: LimitUsageResponse;
  @ApiProperty({ type: HourlyLimitResponse }) hourly: HourlyLimitResponse;
}

export class RealtimeTokenResponse implements RealtimeToken {
  @ApiProperty({ description: 'For the Socket.IO handshake (`auth: { token }`) and `GET /api/agents/:id/stream?token=`' }) token: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
}
