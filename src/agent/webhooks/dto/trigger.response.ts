import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TriggerResult } from '../../executions/lifecycle/event-trigger.service.js';

/** The OpenAPI description of what `POST /webhooks/agent-trigger` answers. */
export class TriggerResponse implements TriggerResult {
  @ApiProperty({ type: 'integer', description: 'Executions woken' }) triggered_count: number;
  @ApiPropertyOptional({ description: 'With `execution_id`: the event was kept for a later wait' }) kept?: boolean;
}
