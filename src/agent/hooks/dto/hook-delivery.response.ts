import { ApiProperty } from '@nestjs/swagger';
import { ALL_HOOK_EVENTS } from '../../runtime/hook-target.js';
import { HookDeliveryStatus } from '../hook-delivery-status.js';
import type { HookDeliveryView } from '../hook-delivery.view.js';

/** The OpenAPI description of an execution's hook log and of a redelivery's answer (`hook-delivery.view.ts` makes the values). */

export class HookAttemptResponse {
  @ApiProperty({ format: 'date-time', description: 'When the call was made' }) at: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The answer’s status; null when none came' }) status_code: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed (`HTTP 500`, a refused address, a timeout); null on success' })
  error: string | null;
  @ApiProperty({ type: 'integer' }) duration_ms: number;
}

export class HookDeliveryResponse implements HookDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header of each attempt' }) id: string;
  @ApiProperty({ enum: ALL_HOOK_EVENTS }) event: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: Object.values(HookDeliveryStatus) }) status: string;
  @ApiProperty({ type: 'integer', description: 'Calls made so far' }) attempts: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The next attempt, while `pending`' })
  next_attempt_at: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) last_status_code: number | null;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty({ type: [HookAttemptResponse], description: 'Every attempt, oldest first' }) attempt_log: HookAttemptResponse[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) delivered_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class HookDeliveryListResponse {
  @ApiProperty({ type: [HookDeliveryResponse], description: 'Oldest first' }) data: HookDeliveryResponse[];
}
