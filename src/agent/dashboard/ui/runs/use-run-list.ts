import { isTerminalStatus, type AdminExecution, type RunFilters, type StatusEvent, type StepEvent } from '../../../../../client/index.js';
import { useLive } from '../live.js';
import { useClient } from '../use-load.js';
import { usePaged, type Paged } from '../work/use-paged.js';

const PAGE = 50;
/** At most one read of the first page per this long while events arrive. */
const REFRESH_MS = 1500;

export type RunList = Paged<AdminExecution>;

/** A status event as the row's fields. */
const statusChange = (row: AdminExecution, e: StatusEvent): AdminExecution => ({
  ...row,
  status: e.status,
  step_count: Math.max(row.step_count, e.step_count),
  token_usage: Math.max(row.token_usage, e.token_usage),
  completed_at: e.completed_at ?? row.completed_at,
  error: e.error ?? row.error,
});

/**
 * A first page read again may have left before the events the row shows: a row further on (more
 * steps, or ended where the read was not) keeps what it shows; the next read, after the last
 * event, brings the rest.
 */
const keepProgress = (fresh: AdminExecution, shown: AdminExecution): AdminExecution =>
  shown.step_count > fresh.step_count || (isTerminalStatus(shown.status) && !isTerminalStatus(fresh.status)) ? shown : fresh;

/**
 * The runs matching `filters`, newest first, a page at a time ("Load more" by cursor), kept live:
 * rows change in place on status and step events, and the first page is read again (throttled) so
 * runs that start meanwhile appear on top. `filters` is compared by its JSON: a new object with the
 * same filters reads nothing again; null (not valid yet) reads nothing.
 */
export function useRunList(filters: RunFilters | null): RunList {
  const client = useClient();
  const list = usePaged<AdminExecution>(
    filters && ((cursor) => client.admin.list({ ...filters, cursor, limit: PAGE })),
    JSON.stringify(filters),
    REFRESH_MS,
    keepProgress,
  );

  useLive('status', (e) => {
    list.update((current) =>
      current.some((r) => r.id === e.execution_id) ? current.map((r) => (r.id === e.execution_id ? statusChange(r, e) : r)) : current,
    );
    list.refresh();
  });
  useLive('step', (e: StepEvent) => {
    // A run the list does not show yet may be one to show (its first events can come before its row).
    if (!list.has(e.execution_id)) return list.refresh();
    list.update((current) =>
      current.map((r) =>
        r.id === e.execution_id && e.step_number > r.step_count
          ? { ...r, step_count: e.step_number, token_usage: r.token_usage + e.tokens_used }
          : r,
      ),
    );
  });
  useLive('connect', list.refresh);

  return list;
}
