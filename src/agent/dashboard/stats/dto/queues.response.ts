import { ApiProperty } from '@nestjs/swagger';
import { QueueStatsResponse } from '../../../observability/dto/queue-stats.response.js';
import type { QueueBucket, QueuesView, QueueWorker } from '../stats-views.js';
import { DurationPercentilesResponse, StatsWindowResponse } from './overview.response.js';

/** The OpenAPI description of `GET /api/admin/dashboard/queues`. */

class QueueBucketResponse implements QueueBucket {
  @ApiProperty({ format: 'date-time', description: "The bucket's start" }) at: string;
  @ApiProperty({ type: 'integer', description: "The tenant's executions a worker of this queue took (started or resumed)" })
  started: number;
  @ApiProperty({ type: 'integer', description: 'Executions of this queue that ended' }) finished: number;
  @ApiProperty({ type: DurationPercentilesResponse, description: 'Queue wait: from becoming ready to a worker taking the lease' })
  wait: DurationPercentilesResponse;
}

class QueueWorkerResponse implements QueueWorker {
  @ApiProperty({ description: 'The connection name BullMQ gave the worker' }) name: string;
  @ApiProperty({ type: String, nullable: true, description: 'Redis only: its address' }) addr: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Redis only: seconds since it connected' }) age_seconds: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Redis only: seconds since its last command' }) idle_seconds: number | null;
}

class DashboardQueueResponse extends QueueStatsResponse {
  @ApiProperty({ type: [QueueBucketResponse], description: 'One per bucket, oldest first' }) series: QueueBucketResponse[];
  @ApiProperty({ type: [QueueWorkerResponse], description: 'The worker connections BullMQ reports on the queue' })
  workers: QueueWorkerResponse[];
}

export class QueuesResponse extends StatsWindowResponse implements QueuesView {
  @ApiProperty({
    type: [DashboardQueueResponse],
    description: 'Each queue: its depth now (shared by every tenant), its series, its workers',
  })
  queues: DashboardQueueResponse[];
}
