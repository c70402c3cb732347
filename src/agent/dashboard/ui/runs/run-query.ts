import type { ExecutionStatus, JsonValue, ParkedStatus, RunFilters } from '../../../../../client/index.js';

export const STATUSES: ExecutionStatus[] = [
  'scheduled',
  'pending',
  'running',
  'paused',
  'awaiting_input',
  'awaiting_event',
  'awaiting_children',
  'completed',
  'failed',
  'cancelled',
];

/** Where a run waits with nothing running: the "parked" shortcut selects them all. */
export const PARKED: ParkedStatus[] = ['scheduled', 'pending', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children'];

/**
 * The run list's filters as the URL holds them (`#/runs?status=failed,paused&agent_type=steps`), so a
 * filtered list can be linked and reloaded. Parameter names are the API's: `status` (comma-separated,
 * or `parked`), `agent_type`, `user_id`, `from`, `to` (ISO), `conversation_id`, `pipeline_id`,
 * `parent_execution_id`, `metadata` (a JSON object), `id` (a full id or its start).
 */
export interface RunQuery {
  statuses: ExecutionStatus[];
  agentType: string;
  userId: string;
  from: string;
  to: string;
  conversationId: string;
  pipelineId: string;
  parentExecutionId: string;
  metadata: string;
  id: string;
}

const isStatus = (s: string): s is ExecutionStatus => (STATUSES as string[]).includes(s);

export function readRunQuery(params: URLSearchParams): RunQuery {
  const get = (...names: string[]) => names.map((n) => params.get(n)?.trim()).find(Boolean) ?? '';
  const statuses = new Set<ExecutionStatus>();
  for (const part of params.getAll('status').flatMap((s) => s.split(','))) {
    const s = part.trim();
    if (s === 'parked') PARKED.forEach((p) => statuses.add(p));
    else if (isStatus(s)) statuses.add(s);
  }
  return {
    statuses: STATUSES.filter((s) => statuses.has(s)),
    agentType: get('agent_type', 'agentType', 'type'),
    userId: get('user_id', 'userId', 'user'),
    from: get('from'),
    to: get('to'),
    conversationId: get('conversation_id', 'conversationId'),
    pipelineId: get('pipeline_id', 'pipelineId'),
    parentExecutionId: get('parent_execution_id', 'parentExecutionId', 'parent'),
    metadata: get('metadata'),
    id: get('id'),
  };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** The URL parameters of a query (empty ones left out): what `href.runs` takes. */
export function runParams(query: RunQuery): Record<string, string | undefined> {
  const q = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v])) as unknown as RunQuery;
  return {
    status: sameSet(q.statuses, PARKED) ? 'parked' : q.statuses.join(',') || undefined,
    agent_type: q.agentType || undefined,
    user_id: q.userId || undefined,
    from: q.from || undefined,
    to: q.to || undefined,
    conversation_id: q.conversationId || undefined,
    pipeline_id: q.pipelineId || undefined,
    parent_execution_id: q.parentExecutionId || undefined,
    metadata: q.metadata || undefined,
    id: q.id || undefined,
  };
}

/** What the API is asked, or why the query cannot be asked (a bad date or metadata that is not a JSON object). */
export function toFilters(q: RunQuery): { filters: RunFilters; problem: string | null } {
  const filters: RunFilters = {};
  if (q.statuses.length === 1) filters.status = q.statuses[0];
  else if (q.statuses.length > 1) filters.status = q.statuses;
  if (q.agentType) filters.agentType = q.agentType;
  if (q.userId) filters.userId = q.userId;
  if (q.conversationId) filters.conversationId = q.conversationId;
  if (q.pipelineId) filters.pipelineId = q.pipelineId;
  if (q.parentExecutionId) filters.parentExecutionId = q.parentExecutionId;
  if (q.id) filters.id = q.id;
  for (const key of ['from', 'to'] as const) {
    if (!q[key]) continue;
    const at = new Date(q[key]);
    if (Number.isNaN(at.getTime())) return { filters, problem: `"${q[key]}" is not a date (${key}).` };
    filters[key] = at.toISOString();
  }
  if (q.metadata) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(q.metadata);
    } catch {
      return { filters, problem: 'Metadata must be JSON, e.g. {"team": "ops"}.' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { filters, problem: 'Metadata must be a JSON object, e.g. {"team": "ops"}.' };
    filters.metadata = parsed as Record<string, JsonValue>;
  }
  return { filters, problem: null };
}

/** An ISO time as a `datetime-local` input shows it (local time, to the minute), and back. */
export function toLocalInput(iso: string): string {
  const at = new Date(iso);
  if (!iso || Number.isNaN(at.getTime())) return '';
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export const fromLocalInput = (value: string): string => (value ? new Date(value).toISOString() : '');
