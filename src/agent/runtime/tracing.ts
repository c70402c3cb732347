import { context, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { ToolSet } from 'ai';

/** Span names of SPEC §15. */
export const SpanName = {
  Execution: 'agent.execution',
  Step: 'agent.step',
  ToolCall: 'agent.tool_call',
  ModelCall: 'agent.model_call',
} as const;

/**
 * Runs `work` in an active span (its children nest under it). No-op unless the host installs an
 * OpenTelemetry SDK: the API alone hands out non-recording spans.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The tools with each call in an `agent.tool_call` span under `parent` (the step: a tool call is
 * the model call's sibling, not its child, though the SDK runs it inside the model call's stream).
 */
export function traceToolCalls(tools: ToolSet | undefined, parent: Context, attributes: Attributes = {}): ToolSet | undefined {
  if (!tools) return tools;
  return Object.fromEntries(
    Object.entries(tools).map(([name, tool]) => {
      const execute = tool.execute;
      if (!execute) return [name, tool];
      const traced: typeof execute = (input, options) => {
        const span = tracer().startSpan(
          SpanName.ToolCall,
          { attributes: { ...attributes, 'agent.tool_name': name, 'agent.tool_call_id': options.toolCallId } },
          parent,
        );
        return context.with(trace.setSpan(parent, span), () => {
          try {
            const result = execute(input, options);
            if (!isPromiseLike(result)) {
              span.end();
              return result;
            }
            return Promise.resolve(result).then(
              (value) => {
                span.end();
                return value;
              },
              (error: unknown) => {
                fail(span, error);
                span.end();
                throw error;
              },
            ) as ReturnType<typeof execute>;
          } catch (error) {
            fail(span, error);
            span.end();
            throw error;
          }
        });
      };
      return [name, { ...tool, execute: traced }];
    }),
  );
}

const tracer = () => trace.getTracer('nestjs-agents');

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** The ids every span of an execution carries. */
export const executionAttributes = (ids: { executionId: string; tenantId: string; userId: string; agentType: string }): Attributes => ({
  'agent.execution_id': ids.executionId,
  'agent.tenant_id': ids.tenantId,
  'agent.user_id': ids.userId,
  'agent.type': ids.agentType,
});
