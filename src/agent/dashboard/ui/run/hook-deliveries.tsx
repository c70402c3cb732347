import { useEffect, useState } from 'preact/hooks';
import type { HookDelivery } from '../../../../../client/index.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { Problem } from '../components/empty.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, describeError, duration, stamp, truncate } from '../format.js';
import { useClient, useLoad, useThrottled } from '../use-load.js';

/** While a delivery is pending, the log is read again when its next attempt falls due: no sooner than this… */
const SOONEST_MS = 1000;
/** …and no later (an attempt made by another node sends no event). */
const LATEST_MS = 15_000;

type Attempt = HookDelivery['attempt_log'][number];

/** `HTTP 500` is the error of a non-2xx answer: said once. */
const answer = (statusCode: number | null, error: string | null): string => {
  const status = statusCode === null ? null : `HTTP ${statusCode}`;
  if (status && error && error !== status) return `${status} · ${error}`;
  return status ?? error ?? '—';
};

/** When it goes next, or went. */
function when(d: HookDelivery): { text: string; iso: string | null } {
  if (d.status === 'pending') return { text: `next ${stamp(d.next_attempt_at)}`, iso: d.next_attempt_at };
  if (d.status === 'delivered') return { text: `delivered ${stamp(d.delivered_at)}`, iso: d.delivered_at };
  return { text: '—', iso: null };
}

/** The wait before the log is read again: when the soonest pending attempt is due, within bounds; null with none pending. */
function nextLook(deliveries: HookDelivery[]): number | null {
  const due = deliveries.filter((d) => d.status === 'pending').map((d) => Date.parse(d.next_attempt_at ?? '') || Date.now());
  if (due.length === 0) return null;
  return Math.min(Math.max(Math.min(...due) - Date.now() + 250, SOONEST_MS), LATEST_MS);
}

function AttemptLine({ attempt, n }: { attempt: Attempt; n: number }) {
  return (
    <li>
      <span class="muted">#{n}</span> <time dateTime={attempt.at}>{stamp(attempt.at)}</time>{' '}
      <strong>{attempt.status_code === null ? 'no answer' : `HTTP ${attempt.status_code}`}</strong>{' '}
      <span class="muted">{duration(attempt.duration_ms)}</span>
      {attempt.error && attempt.error !== `HTTP ${attempt.status_code}` && <span class="error"> {attempt.error}</span>}
    </li>
  );
}

function Delivery({ delivery: d, busy, onRedeliver }: { delivery: HookDelivery; busy: boolean; onRedeliver: () => void }) {
  const [open, setOpen] = useState(false);
  const last = answer(d.last_status_code, d.last_error);
  const next = when(d);
  const logId = `hook-log-${d.id}`;
  return (
    <tbody data-testid={`hook-${d.id}`}>
      <tr>
        <td data-testid={`hook-event-${d.id}`}>
          <code class="nowrap">{d.event}</code>
        </td>
        <td class="hook-url" data-testid={`hook-url-${d.id}`}>
          <code title={d.url}>{d.url}</code>
        </td>
        <td>
          <StatusBadge status={d.status} testId={`hook-status-${d.id}`} />
        </td>
        <td class="num" data-testid={`hook-attempts-${d.id}`}>
          {count(d.attempts)}
        </td>
        <td class={d.last_error ? 'hook-answer error' : 'hook-answer'} title={last} data-testid={`hook-last-${d.id}`}>
          {truncate(last, 80)}
        </td>
        <td class="nowrap" title={next.iso ?? undefined} data-testid={`hook-when-${d.id}`}>
          {next.text}
        </td>
        <td class="nowrap">
          <span role="group" aria-label={`Delivery ${d.id}`}>
            <button
              type="button"
              class="link"
              aria-expanded={open}
              aria-controls={logId}
              disabled={d.attempt_log.length === 0}
              onClick={() => setOpen(!open)}
              data-testid={`hook-log-toggle-${d.id}`}
            >
              Attempt log
            </button>{' '}
            {d.status === 'failed' && (
              <ConfirmButton
                label="Redeliver"
                question="Send it again now, with the same webhook-id?"
                disabled={busy}
                onConfirm={onRedeliver}
                testId={`hook-redeliver-${d.id}`}
              />
            )}
          </span>
        </td>
      </tr>
      <tr id={logId} hidden={!open}>
        <td colSpan={7}>
          {open && (
            <ol class="hook-attempts" aria-label={`Attempts of delivery ${d.id}, oldest first`} data-testid={logId}>
              {d.attempt_log.map((a, i) => (
                <AttemptLine attempt={a} n={i + 1} />
              ))}
            </ol>
          )}
        </td>
      </tr>
    </tbody>
  );
}

/**
 * The run's outbound hook deliveries (nothing when it has none): each one's event, target, status,
 * attempts, last answer and next or delivered time, its attempt log, and Redeliver on a failed one.
 * Read again as the run goes on (an end owes deliveries), while one is pending, and after a redelivery.
 */
export function HookDeliveries({ runId, progress }: { runId: string; progress: number }) {
  const client = useClient();
  const log = useLoad(() => client.admin.hooks(runId), [runId]);
  const follow = useThrottled(log.reload, 1000);
  useEffect(() => void (progress > 0 && follow()), [progress]);
  const deliveries = log.data?.data ?? [];
  useEffect(() => {
    const wait = nextLook(deliveries);
    if (wait === null) return;
    let timer = setTimeout(function look() {
      if (document.visibilityState === 'visible') log.reload();
      else timer = setTimeout(look, SOONEST_MS);
    }, wait);
    return () => clearTimeout(timer);
  }, [log.data]);

  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const redeliver = (id: string) => {
    setError(null);
    setBusy(id);
    client.admin.redeliverHook(runId, id).then(
      () => {
        setBusy(null);
        log.reload();
      },
      (e: unknown) => {
        setBusy(null);
        setError(`Redeliver: ${describeError(e)}`);
        log.reload();
      },
    );
  };

  if (deliveries.length === 0 && !log.error) return null;
  return (
    <section class="card" aria-labelledby="hooks-title" data-testid="hooks">
      <h3 id="hooks-title">Hook deliveries</h3>
      <Problem error={log.error} />
      <Problem error={error} />
      {deliveries.length > 0 && (
        <div class="table-wrap">
          <table data-testid="hook-deliveries">
            <thead>
              <tr>
                <th>Event</th>
                <th>Target</th>
                <th>Status</th>
                <th class="num">Attempts</th>
                <th>Last answer</th>
                <th>Next attempt / delivered</th>
                <th>
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            {deliveries.map((d) => (
              <Delivery key={d.id} delivery={d} busy={busy === d.id} onRedeliver={() => redeliver(d.id)} />
            ))}
          </table>
        </div>
      )}
    </section>
  );
}
