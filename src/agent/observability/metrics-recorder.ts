import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { ExecutionEventName, ExecutionEvents, type ExecutionEvent } from '../executions/execution-events.js';
import { isTerminal } from '../executions/execution-status.js';
import { MetricName } from './metric-names.js';
import { LogEventType } from '../runtime/log-event-type.js';

type LogEvent = Extract<ExecutionEvent, { name: typeof ExecutionEventName.LogAppended }>;

/**
 * Counts what this process committed, from the execution events (published after commit): each
 * node counts its own, and Prometheus sums the nodes. The step and tool figures come from the
 * step's committed log rows, which carry them.
 */
@Injectable()
export class MetricsRecorder implements OnModuleInit, OnModuleDestroy {
  private stop: (() => void) | null = null;

  constructor(
    private readonly events: ExecutionEvents,
    @InjectMetric(MetricName.Executions) private readonly executions: Counter<string>,
    @InjectMetric(MetricName.ExecutionDuration) private readonly executionDuration: Histogram<string>,
    @InjectMetric(MetricName.Steps) private readonly steps: Counter<string>,
    @InjectMetric(MetricName.StepDuration) private readonly stepDuration: Histogram<string>,
    @InjectMetric(MetricName.ToolCalls) private readonly toolCalls: Counter<string>,
    @InjectMetric(MetricName.TokenUsage) private readonly tokens: Counter<string>,
  ) {}

  onModuleInit(): void {
    this.stop = this.events.subscribe((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  private record(event: ExecutionEvent): void {
    if (event.name === ExecutionEventName.StatusChanged && isTerminal(event.status)) {
      const labels = { agent_type: event.agentType ?? 'unknown', status: event.status };
      this.executions.inc(labels);
      if (event.startedAt && event.completedAt) {
        this.executionDuration.observe(
          labels,
          Math.max(0, new Date(event.completedAt).getTime() - new Date(event.startedAt).getTime()) / 1000,
        );
      }
    }
    if (event.name === ExecutionEventName.LogAppended) this.recordLog(event);
  }

  private recordLog(event: LogEvent): void {
    const { event_type: type, context } = event.log;
    const agentType = event.agentType ?? 'unknown';
    if (type === LogEventType.StepCompleted) {
      const labels = { agent_type: agentType, step_type: String(context.step_type ?? 'custom') };
      this.steps.inc(labels);
      if (typeof context.duration_ms === 'number') this.stepDuration.observe(labels, context.duration_ms / 1000);
      if (typeof context.input_tokens === 'number' && context.input_tokens > 0)
        this.tokens.inc({ agent_type: agentType, direction: 'input' }, context.input_tokens);
      if (typeof context.output_tokens === 'number' && context.output_tokens > 0)
        this.tokens.inc({ agent_type: agentType, direction: 'output' }, context.output_tokens);
    }
    if (type === LogEventType.ToolCompleted && typeof context.toolName === 'string') {
      this.toolCalls.inc({ tool_name: context.toolName, status: context.ok === false ? 'error' : 'success' });
    }
  }
}
