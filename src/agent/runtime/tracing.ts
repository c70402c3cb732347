import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

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
  return trace.getTracer('nestjs-agents').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The ids every span of an execution carries. */
export const executionAttributes = (ids: { executionId: string; tenantId: string; userId: string; agentType: string }): Attributes => ({
  'agent.execution_id': ids.executionId,
  'agent.tenant_id': ids.tenantId,
  'agent.user_id': ids.userId,
  'agent.type': ids.agentType,
});
