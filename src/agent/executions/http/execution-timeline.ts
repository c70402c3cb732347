import { Injectable } from '@nestjs/common';
import type { Scope } from '../../tenancy/scope.js';
import { ExecutionReader } from './execution-reader.js';
import { buildTimeline } from './timeline-builder.js';
import type { ExecutionTimelineView } from './timeline.view.js';

/**
 * The log rows a timeline is built from, at most: a run's first steps, however long it ran (a row per
 * step, one per call and a few per status change; thousands of steps fit). Past them, `truncated`.
 */
export const TIMELINE_MAX_ROWS = 5_000;

/** An execution's waterfall (`GET /api/admin/agents/:id/timeline`), from its log rows. */
@Injectable()
export class ExecutionTimeline {
  constructor(private readonly reader: ExecutionReader) {}

  /** 404 for a foreign or missing execution, as every read. */
  async of(scope: Scope, executionId: string): Promise<ExecutionTimelineView> {
    const execution = await this.reader.get(scope, executionId);
    const page = await this.reader.logsAfter(scope, execution.id, { limit: TIMELINE_MAX_ROWS });
    return buildTimeline(execution, page.data, page.next_cursor !== null);
  }
}
