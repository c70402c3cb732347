import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiJsonProperty } from '../../../http/api-json.property.js';
import type { JsonValue } from '../../../runtime/json.js';
import { ExecutionStatus } from '../../execution-status.js';
import type { ExecutionTimelineView, TimelineCallView, TimelineGapView, TimelineStepView } from '../timeline.view.js';

/** The OpenAPI description of `GET /api/admin/agents/:id/timeline` (`timeline-builder.ts` makes the values). */

export class TimelineCallResponse implements TimelineCallView {
  @ApiProperty({ enum: ['model', 'tool'] }) kind: 'model' | 'tool';
  @ApiProperty({ description: "The model id, or the tool's name" }) name: string;
  @ApiProperty({ type: 'integer', description: "Milliseconds from the step's start (0 when the row predates call timing)" })
  offset_ms: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Milliseconds; null when not known (never ended in its step, or untimed)' })
  duration_ms: number | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Null when it never ended in its step' }) ok: boolean | null;
  @ApiPropertyOptional({ type: 'integer' }) input_tokens?: number;
  @ApiPropertyOptional({ type: 'integer' }) output_tokens?: number;
  @ApiJsonProperty("A tool call's arguments", { required: false }) input?: JsonValue;
  @ApiJsonProperty("A tool call's result", { required: false }) output?: JsonValue;
  @ApiPropertyOptional() error?: string;
}

export class TimelineStepResponse implements TimelineStepView {
  @ApiProperty({ type: 'integer' }) step: number;
  @ApiProperty({ type: 'integer', description: '1, or 2, 3, … for a step retried after a retryable failure' }) attempt: number;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ type: 'integer' }) duration_ms: number;
  @ApiProperty({ enum: ['completed', 'failed', 'retry_scheduled'] }) outcome: 'completed' | 'failed' | 'retry_scheduled';
  @ApiProperty({ type: 'integer' }) input_tokens: number;
  @ApiProperty({ type: 'integer' }) output_tokens: number;
  @ApiProperty({ type: [TimelineCallResponse], description: 'By offset' }) calls: TimelineCallResponse[];
}

export class TimelineGapResponse implements TimelineGapView {
  @ApiProperty({ enum: Object.values(ExecutionStatus), description: 'What it waited in (`pending`: for a worker)' })
  status: ExecutionStatus;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null: it still waits' }) to: string | null;
}

export class ExecutionTimelineResponse implements ExecutionTimelineView {
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ type: [TimelineStepResponse], description: 'Every attempt at a step, oldest first' }) steps: TimelineStepResponse[];
  @ApiProperty({ type: [TimelineGapResponse], description: 'The spans no step ran in, oldest first' }) gaps: TimelineGapResponse[];
  @ApiProperty({ description: 'Built from the first 5,000 log rows only: later steps are missing' }) truncated: boolean;
}
