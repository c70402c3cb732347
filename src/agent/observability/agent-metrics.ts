import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { register, type Gauge } from 'prom-client';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../infrastructure/queue-names.js';
import { AgentRegistry } from '../executions/registry/agent-registry.js';
import { MetricName } from './metric-names.js';

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * The scrape: gauges are read from their sources of truth (PostgreSQL, the queues) when Prometheus
 * asks, so they are right after any crash and return to 0 when nothing runs. They describe the
 * whole cluster: aggregate them across nodes with `max`, not `sum`.
 */
@Injectable()
export class AgentMetrics {
  private readonly pool: SqlPool;

  constructor(
    @InjectMetric(MetricName.ActiveExecutions) private readonly active: Gauge<string>,
    @InjectMetric(MetricName.QueueDepth) private readonly queueDepth: Gauge<string>,
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly queues: ExecutionQueue,
    private readonly agents: AgentRegistry,
  ) {
    this.pool = database.pool;
  }

  /** The Prometheus text of every metric in the default registry (ours and the host's). */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.refreshGauges();
    return { contentType: register.contentType, body: await register.metrics() };
  }

  async refreshGauges(): Promise<void> {
    const [{ rows }, depths] = await Promise.all([
      this.pool.query<{ agent_type: string; n: number }>(
        `SELECT agent_type, count(*)::int AS n FROM agent_executions WHERE status = 'running' GROUP BY agent_type`,
      ),
      Promise.all(ALL_QUEUES.map(async (queue) => ({ queue, counts: await this.queues.queue(queue).getJobCounts(...QUEUE_STATES) }))),
    ]);
    this.active.reset();
    // Every registered type is reported, 0 included: a series that vanishes reads as "no data", not "idle".
    for (const agentType of this.agents.names()) this.active.set({ agent_type: agentType }, 0);
    for (const row of rows) this.active.set({ agent_type: row.agent_type }, row.n);
    for (const { queue, counts } of depths) {
      for (const state of QUEUE_STATES) this.queueDepth.set({ queue, state }, counts[state] ?? 0);
    }
  }
}
