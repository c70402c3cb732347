export interface ObservabilityOptions {
  /**
   * Where Prometheus scrapes (default `/metrics`); `false` serves nothing (the metrics stay in
   * prom-client's default registry; `AgentMetrics.render()` gives the text).
   */
  metricsPath?: string | false;
  /** The health check (database, queue backend, notifier; 503 when one is down); default `/health`, `false` = none. */
  healthPath?: string | false;
}

export interface ResolvedObservabilityOptions {
  observability: Required<ObservabilityOptions>;
}

export function resolveObservabilityOptions(input: ObservabilityOptions | undefined, problems: string[]): ResolvedObservabilityOptions {
  const observability = { metricsPath: input?.metricsPath ?? '/metrics', healthPath: input?.healthPath ?? '/health' };
  for (const key of ['metricsPath', 'healthPath'] as const) {
    const path = observability[key];
    if (path !== false && (typeof path !== 'string' || !/^\/[A-Za-z0-9/_.-]*$/.test(path))) {
      problems.push(`observability.${key} must be a path such as '/${key === 'metricsPath' ? 'metrics' : 'health'}', or false`);
    }
  }
  return { observability };
}
