import { ApiProperty } from '@nestjs/swagger';
import { ALL_QUEUES, type QueueName } from '../../infrastructure/queue-names.js';
import type { QueueStats } from '../queue-stats.service.js';

/** The OpenAPI description of `GET /api/admin/agents/queues`. */
export class QueueStatsResponse implements QueueStats {
  @ApiProperty({ enum: ALL_QUEUES }) queue: QueueName;
  @ApiProperty({ type: 'integer' }) waiting: number;
  @ApiProperty({ type: 'integer' }) active: number;
  @ApiProperty({ type: 'integer' }) delayed: number;
  @ApiProperty({ type: 'integer' }) failed: number;
  @ApiProperty({ type: 'integer', description: "The tenant's executions running on it, from the database" }) running: number;
}

export class QueueStatsListResponse {
  @ApiProperty({ type: [QueueStatsResponse] }) data: QueueStatsResponse[];
}
