import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/** The metric names and labels of SPEC §15: dashboards and alerts are written against them. */
export const MetricName = {
  Executions: 'agent_executions_total',
  Steps: 'agent_steps_total',
  ToolCalls: 'agent_tool_calls_total',
  ActiveExecutions: 'agent_active_executions',
  ExecutionDuration: 'agent_execution_duration_seconds',
  StepDuration: 'agent_step_duration_seconds',
  TokenUsage: 'agent_token_usage',
  QueueDepth: 'agent_queue_depth',
} as const;

/**
 * NOTE: created through nestjs-prometheus, so they live in prom-client's default registry beside the
 * host's own metrics (one scrape serves both); a second app in the same process shares them.
 */
export const METRIC_PROVIDERS = [
  makeCounterProvider({
    name: MetricName.Executions,
    help: 'Executions that ended, by agent type and final status',
    labelNames: ['agent_type', 'status'],
  }),
  makeCounterProvider({
    name: MetricName.Steps,
    help: 'Committed steps, by agent type and step type',
    labelNames: ['agent_type', 'step_type'],
  }),
  makeCounterProvider({
    name: MetricName.ToolCalls,
    help: 'Tool calls, by tool and outcome (success, error)',
    labelNames: ['tool_name', 'status'],
  }),
  makeGaugeProvider({
    name: MetricName.ActiveExecutions,
    help: 'Executions running now, across the cluster (read from PostgreSQL at scrape)',
    labelNames: ['agent_type'],
  }),
  makeHistogramProvider({
    name: MetricName.ExecutionDuration,
    help: 'From first start to the final status, in seconds',
    labelNames: ['agent_type', 'status'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400],
  }),
  makeHistogramProvider({
    name: MetricName.StepDuration,
    help: 'One step (model call, tools), in seconds',
    labelNames: ['agent_type', 'step_type'],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 15, 60],
  }),
  makeCounterProvider({
    name: MetricName.TokenUsage,
    help: 'Model tokens used, by agent type and direction (input, output)',
    labelNames: ['agent_type', 'direction'],
  }),
  makeGaugeProvider({
    name: MetricName.QueueDepth,
    help: 'Jobs per queue and state, across the cluster (read at scrape)',
    labelNames: ['queue', 'state'],
  }),
];
