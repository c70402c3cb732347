import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { jsonSchema, tool } from 'ai';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel, defineLlmAgent } from '../../src/agent/index.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const probe = tool({
  description: 'Probes',
  inputSchema: jsonSchema<{ n: number }>({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] }),
  execute: async ({ n }) => {
    if (n < 0) throw new Error('negative probe');
    return `probed ${n}`;
  },
});

/** Step 1 calls `probe` twice (one fails), step 2 answers: 2 steps, 2 tool calls, 2 model calls. */
const metered = defineLlmAgent({
  name: 'metered',
  model: createScriptedModel({
    modelId: 'meter-model',
    script: (_call, turn) =>
      turn === 0
        ? {
            toolCalls: [
              { toolName: 'probe', input: { n: 1 } },
              { toolName: 'probe', input: { n: -1 } },
            ],
            usage: { inputTokens: 40, outputTokens: 10 },
          }
        : { text: 'measured', usage: { inputTokens: 60, outputTokens: 5 } },
  }),
  system: 'Measure.',
  tools: { probe },
});

/** Fails at its first step. */
const faulty = { name: 'faulty', step: async () => Promise.reject(new Error('the tool broke')) };

/** Nest's JSON logger, kept in memory: each line as the host's log shipper would parse it. */
class CapturedJsonLogger extends ConsoleLogger {
  readonly lines: Record<string, unknown>[] = [];
  constructor() {
    super({ json: true, flattenParams: true });
  }
  protected override printMessages(
    messages: unknown[],
    ctx?: string,
    level?: never,
    _stream?: 'stdout' | 'stderr',
    stack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    for (const message of messages) this.lines.push({ level, context: ctx, message, ...params, ...(stack ? { stack } : {}) });
  }
}

/** One sample of a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.slice(name.length).split(' ')[0]!.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : null;
}

describe('metrics and spans of a run', () => {
  let db: TestDatabase;
  let t: TestApp;
  let base: string;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    // What a host app does to collect spans: an SDK provider and a context manager (here, in memory).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    db = await createTestDatabase();
    t = await startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), agents: [metered] });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    trace.disable();
    context.disable();
  });

  it('counts the run in /metrics with its labels, and the active gauge is back to 0', async () => {
    const execution = await t.manager.start(principal(), 'metered', 'measure');
    expect((await waitForStatus(t, db, execution.id, ['completed', 'failed'])).status).toBe('completed');
    const text = await (await fetch(`${base}/metrics`)).text();

    expect(sample(text, 'agent_executions_total', { agent_type: 'metered', status: 'completed' })).toBe(1);
    expect(sample(text, 'agent_steps_total', { agent_type: 'metered', step_type: 'tool' })).toBe(1);
    expect(sample(text, 'agent_steps_total', { agent_type: 'metered', step_type: 'model' })).toBe(1);
    expect(sample(text, 'agent_tool_calls_total', { tool_name: 'probe', status: 'success' })).toBe(1);
    expect(sample(text, 'agent_tool_calls_total', { tool_name: 'probe', status: 'error' })).toBe(1);
    expect(sample(text, 'agent_token_usage', { agent_type: 'metered', direction: 'input' })).toBe(100);
    expect(sample(text, 'agent_token_usage', { agent_type: 'metered', direction: 'output' })).toBe(15);
    expect(sample(text, 'agent_step_duration_seconds_count', { agent_type: 'metered', step_type: 'tool' })).toBe(1);
    expect(sample(text, 'agent_execution_duration_seconds_count', { agent_type: 'metered', status: 'completed' })).toBe(1);
    expect(sample(text, 'agent_execution_duration_seconds_bucket', { agent_type: 'metered', status: 'completed', le: '+Inf' })).toBe(1);
    expect(sample(text, 'agent_active_executions', { agent_type: 'metered' })).toBe(0);
  });

  it('traces execution → step → model call and tool calls, with the execution and tenant ids', async () => {
    exporter.reset();
    const execution = await t.manager.start(principal('tracer', 'tenant-x'), 'metered', 'trace me');
    await waitForStatus(t, db, execution.id, ['completed']);
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['agent.execution_id'] === execution.id || isUnder(s, exporter.getFinishedSpans(), execution.id));

    const [run] = spans.filter((s) => s.name === 'agent.execution');
    expect(run).toBeDefined();
    expect(run!.attributes).toMatchObject({ 'agent.execution_id': execution.id, 'agent.tenant_id': 'tenant-x', 'agent.type': 'metered' });
    const steps = spans
      .filter((s) => s.name === 'agent.step')
      .sort((a, b) => Number(a.attributes['agent.step_number']) - Number(b.attributes['agent.step_number']));
    expect(steps.map((s) => s.attributes['agent.step_number'])).toEqual([1, 2]);
    for (const s of steps) expect(parentOf(s)).toBe(run!.spanContext().spanId);

    const models = spans.filter((s) => s.name === 'agent.model_call');
    expect(models.map((m) => parentOf(m)).sort()).toEqual(steps.map((s) => s.spanContext().spanId).sort());
    expect(models.map((m) => m.attributes['agent.model'])).toEqual(['meter-model', 'meter-model']);

    const tools = spans.filter((s) => s.name === 'agent.tool_call');
    expect(tools).toHaveLength(2);
    for (const tc of tools) {
      expect(parentOf(tc)).toBe(steps[0]!.spanContext().spanId);
      expect(tc.attributes).toMatchObject({
        'agent.execution_id': execution.id,
        'agent.tenant_id': 'tenant-x',
        'agent.tool_name': 'probe',
      });
    }
    expect(tools.map((tc) => tc.status.code).sort()).toEqual([0, 2]); // one unset (ok), one error
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  });
});

describe('application logs', () => {
  let db: TestDatabase;
  let t: TestApp;
  const logger = new CapturedJsonLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ transport: 'redis', db, queuePrefix: uniquePrefix(), agents: [faulty] });
    Logger.overrideLogger(logger);
  });
  afterAll(async () => {
    Logger.overrideLogger(new ConsoleLogger());
    await t?.close();
    await db?.drop();
  });

  it('carry the execution id as a field of their own', async () => {
    const execution = await t.manager.start(principal('logged', 'tenant-l'), 'faulty', 'go');
    await waitForStatus(t, db, execution.id, ['failed']);
    await expect
      .poll(() => logger.lines.find((l) => l.execution_id === execution.id))
      .toMatchObject({
        level: 'warn',
        context: 'ExecutionRunner',
        message: 'Step 1 failed: the tool broke',
        execution_id: execution.id,
        tenant_id: 'tenant-l',
        agent_type: 'faulty',
        step: 1,
      });
  });
});

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** Tool spans carry no execution id of their own: they belong to a run through their parent step. */
function isUnder(span: ReadableSpan, all: ReadableSpan[], executionId: string): boolean {
  const parent = all.find((p) => p.spanContext().spanId === parentOf(span));
  return !!parent && (parent.attributes['agent.execution_id'] === executionId || isUnder(parent, all, executionId));
}
