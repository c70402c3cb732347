import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentsApiError, type Schedule, type ScheduleStatus } from '../../../../../client/index.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { Problem } from '../components/empty.js';
import { PagedEnd } from '../components/paged-end.js';
import { StatusBadge } from '../components/status-badge.js';
import { UserFilter } from '../components/user-filter.js';
import { count, describeError, shortId, stamp, truncate } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../route.js';
import { useClient } from '../use-load.js';
import { usePaged, type MergeRow } from '../work/use-paged.js';

const STATUSES: ScheduleStatus[] = ['active', 'paused'];
const PAGE = 50;
/** At most one read of the first page per this, however busy the feed. */
const REFRESH_MS = 2_500;
/** A refused tick sends no event: the first page is read again this often while the tab is visible. */
const EVERY_MS = 15_000;

/**
 * The later change wins: an action's answer (or a tick) can be newer than a read that left before it.
 * NOTE: every change of a schedule (a tick's claim, pause, resume, an edit) moves `updated_at`.
 */
const newer: MergeRow<Schedule> = (fresh, shown) => (Date.parse(fresh.updated_at) >= Date.parse(shown.updated_at) ? fresh : shown);

/** The last refused start, as `code: message`; empty when the last tick started its run. */
const refusal = (s: Schedule): string => (s.last_error ? `${s.last_error.code}: ${s.last_error.message}` : '');

/**
 * `#/schedules`: the tenant's recurring schedules, newest first; pause, resume or delete one.
 * Schedules have no event of their own: the first page is read again when a run of the tenant
 * changes status (a tick starting one), on reconnect, and now and then while the tab is visible.
 */
export function SchedulesView() {
  const client = useClient();
  const [status, setStatus] = useState<ScheduleStatus | ''>('');
  const [user, setUser] = useState('');
  const list = usePaged(
    (cursor) => client.admin.schedules({ status: status || undefined, userId: user || undefined, cursor, limit: PAGE }),
    `${status}|${user}`,
    REFRESH_MS,
    newer,
  );
  useLive('status', list.refresh);
  useLive('connect', list.refresh);
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && list.refresh(), EVERY_MS);
    return () => clearInterval(timer);
  }, [list.refresh]);

  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<Set<string>>(new Set());
  // NOTE: a first page read before a delete still holds the row: what is deleted stays out, whatever a read says.
  const deleted = useRef(new Set<string>());
  const rows = list.rows.filter((s) => !deleted.current.has(s.id));
  const forget = (id: string) => {
    deleted.current.add(id);
    list.update((current) => current.filter((s) => s.id !== id));
  };

  /** Runs an action on one schedule: its row waits meanwhile, shows the answer, and the list is read again. */
  const act = (label: string, id: string, action: () => Promise<Schedule | void>) => {
    setError(null);
    setBusy((s) => new Set(s).add(id));
    const settle = () => {
      setBusy((s) => new Set([...s].filter((x) => x !== id)));
      list.refresh();
    };
    action().then(
      (changed) => {
        if (changed) list.update((current) => current.map((s) => (s.id === id ? changed : s)));
        else forget(id);
        settle();
      },
      (e: unknown) => {
        setError(`${label}: ${describeError(e)}`);
        // Deleted meanwhile (by its owner, or another admin): the row goes too.
        if (e instanceof AgentsApiError && e.statusCode === 404) forget(id);
        settle();
      },
    );
  };

  return (
    <section class="card" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      <div class="filters">
        <label>
          Status
          <select
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value as ScheduleStatus | '')}
            data-testid="schedules-filter-status"
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <UserFilter testId="schedules-filter-user" onApply={setUser} />
      </div>
      <Problem error={list.error} />
      <Problem error={error} />
      {rows.length > 0 && (
        <div class="table-wrap">
          <table data-testid="schedules">
            <thead>
              <tr>
                <th>Agent type</th>
                <th>User</th>
                <th>Cron</th>
                <th>Status</th>
                <th>Next run</th>
                <th>Last run</th>
                <th class="num">Runs</th>
                <th class="num">Refused</th>
                <th>Last refusal</th>
                <th>
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => {
                const refused = refusal(s);
                const waiting = busy.has(s.id);
                return (
                  <tr key={s.id} data-testid={`schedule-${s.id}`}>
                    <td title={s.id}>{s.agent_type}</td>
                    <td>{s.user_id}</td>
                    <td data-testid={`schedule-cron-${s.id}`}>
                      <code class="nowrap">{s.cron}</code> <span class="muted nowrap">{s.time_zone}</span>
                    </td>
                    <td>
                      <StatusBadge status={s.status} testId={`schedule-status-${s.id}`} />
                    </td>
                    <td class="nowrap" title={s.next_run_at ?? undefined} data-testid={`schedule-next-${s.id}`}>
                      {stamp(s.next_run_at)}
                    </td>
                    <td class="nowrap" data-testid={`schedule-last-${s.id}`}>
                      <span title={s.last_run_at ?? undefined}>{stamp(s.last_run_at)}</span>
                      {s.last_execution_id && (
                        <>
                          {' '}
                          <a
                            href={href.run(s.last_execution_id)}
                            class="mono"
                            title={s.last_execution_id}
                            aria-label={`Last run ${s.last_execution_id}`}
                            data-testid={`schedule-last-run-${s.id}`}
                          >
                            {shortId(s.last_execution_id)}
                          </a>
                        </>
                      )}
                    </td>
                    <td class="num" data-testid={`schedule-runs-${s.id}`}>
                      {count(s.run_count)}
                    </td>
                    <td class="num" data-testid={`schedule-refused-${s.id}`}>
                      {count(s.refused_count)}
                    </td>
                    <td class="run-error" title={refused || undefined} data-testid={`schedule-error-${s.id}`}>
                      {refused ? truncate(refused, 60) : ''}
                    </td>
                    <td class="nowrap">
                      <span role="group" aria-label={`Schedule ${s.id}`}>
                        {s.status === 'active' ? (
                          <button
                            type="button"
                            disabled={waiting}
                            onClick={() => act('Pause', s.id, () => client.admin.pauseSchedule(s.id))}
                            aria-label={`Pause schedule ${s.id}`}
                            data-testid={`schedule-pause-${s.id}`}
                          >
                            Pause
                          </button>
                        ) : (
                          <button
                            type="button"
                            disabled={waiting}
                            onClick={() => act('Resume', s.id, () => client.admin.resumeSchedule(s.id))}
                            aria-label={`Resume schedule ${s.id}`}
                            data-testid={`schedule-resume-${s.id}`}
                          >
                            Resume
                          </button>
                        )}{' '}
                        <ConfirmButton
                          label="Delete"
                          question="Delete this schedule? Its runs are kept."
                          disabled={waiting}
                          onConfirm={() => act('Delete', s.id, () => client.admin.deleteSchedule(s.id))}
                          testId={`schedule-delete-${s.id}`}
                        />
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <PagedEnd list={{ ...list, rows }} empty="No schedules." />
    </section>
  );
}
