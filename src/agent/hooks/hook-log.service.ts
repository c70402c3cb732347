import { Inject, Injectable } from '@nestjs/common';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { Scope } from '../tenancy/scope.js';
import { EXECUTION_DELIVERIES_SQL } from './hook-deliveries.sql.js';
import { toHookDeliveryView, type HookDeliveryRow, type HookDeliveryView } from './hook-delivery.view.js';

/** An execution's hook deliveries, for those who may see the execution (404 otherwise). */
@Injectable()
export class HookLog {
  constructor(
    @Inject(AGENTS_DATABASE) private readonly database: AgentsDatabase,
    private readonly reader: ExecutionReader,
  ) {}

  async of(scope: Scope, executionId: string): Promise<HookDeliveryView[]> {
    await this.reader.get(scope, executionId);
    const { rows } = await this.database.pool.query<HookDeliveryRow>(EXECUTION_DELIVERIES_SQL, [executionId]);
    return rows.map(toHookDeliveryView);
  }
}
