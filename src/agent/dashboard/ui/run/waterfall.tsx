import { useEffect, useState } from 'preact/hooks';
import {
  isTerminalStatus,
  type ExecutionStatus,
  type ExecutionTimeline,
  type TimelineCall,
  type TimelineGap,
  type TimelineStep,
} from '../../../../../client/index.js';
import { JsonView } from '../components/json-view.js';
import { count, duration } from '../format.js';
import './waterfall.css';

type Row = { at: number; step: TimelineStep } | { at: number; gap: TimelineGap };

const OUTCOME: Record<TimelineStep['outcome'], string> = { completed: 'completed', failed: 'failed', retry_scheduled: 'failed, retried' };
const GAP_LABEL: Record<string, string> = {
  pending: 'waiting for a worker',
  scheduled: 'scheduled',
  paused: 'paused',
  awaiting_input: 'awaiting input',
  awaiting_event: 'awaiting an event',
  awaiting_children: 'awaiting subagents',
};

/** What a gap was: a `scheduled` span after a failed attempt is its retry's backoff, after the start a durable sleep. */
function gapLabel(gap: TimelineGap, startedAt: string | null, previous: Row | undefined): string {
  if (gap.status === 'scheduled' && previous && 'step' in previous && previous.step.outcome === 'retry_scheduled')
    return 'waiting to retry';
  if (gap.status === 'scheduled' && startedAt && Date.parse(gap.from) >= Date.parse(startedAt)) return 'sleeping';
  return GAP_LABEL[gap.status] ?? gap.status;
}

/** A bar placed on the run's time scale: percentages of the whole span, at least a sliver wide. */
function Bar({ from, ms, scale, kind, title }: { from: number; ms: number | null; scale: Scale; kind: string; title: string }) {
  const left = ((from - scale.t0) / scale.span) * 100;
  const width = ms === null ? 0 : (ms / scale.span) * 100;
  return (
    <div class="wf-track" aria-hidden="true">
      <span
        class={`wf-bar wf-bar-${kind}`}
        title={title}
        style={{ left: `${Math.min(Math.max(left, 0), 100)}%`, width: `max(${Math.min(width, 100 - Math.max(left, 0))}%, 2px)` }}
      />
    </div>
  );
}

interface Scale {
  t0: number;
  span: number;
}

function callLabel(call: TimelineCall): string {
  const took = call.duration_ms === null ? 'duration unknown' : duration(call.duration_ms);
  const tokens =
    call.kind === 'model' && (call.input_tokens !== undefined || call.output_tokens !== undefined)
      ? ` · ${count(call.input_tokens)} in / ${count(call.output_tokens)} out tokens`
      : '';
  const failed = call.ok === false ? ' · failed' : '';
  return `${call.kind === 'model' ? 'Model' : 'Tool'} ${call.name} · ${took}${tokens}${failed}`;
}

function Call({ call, stepStart, scale }: { call: TimelineCall; stepStart: number; scale: Scale }) {
  const [open, setOpen] = useState(false);
  const label = callLabel(call);
  const detail = call.kind === 'tool' && (call.input !== undefined || call.output !== undefined || call.error);
  return (
    <li class={`wf-row wf-call ${call.ok === false ? 'is-failed' : ''}`} data-kind={call.kind} data-testid="timeline-call">
      <div class="wf-label">
        {detail ? (
          <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="timeline-call-toggle">
            {label}
          </button>
        ) : (
          label
        )}
      </div>
      <Bar from={stepStart + call.offset_ms} ms={call.duration_ms} scale={scale} kind={call.kind} title={label} />
      {open && (
        <div class="wf-detail">
          {call.input !== undefined && <JsonView value={call.input} label={`${call.name} arguments`} />}
          {call.output !== undefined && <JsonView value={call.output} label={`${call.name} result`} />}
          {call.error && <p class="error">{call.error}</p>}
        </div>
      )}
    </li>
  );
}

/**
 * The run's waterfall: one row per step attempt, a bar on the run's time scale, the model and tool
 * calls inside it as thinner bars; the spans where nothing ran (parked, waiting, sleeping) as
 * hatched rows. Every bar's duration is also its row's text, for keyboards and screen readers.
 */
export function Waterfall({ timeline, status }: { timeline: ExecutionTimeline; status: ExecutionStatus }) {
  const t0 = Date.parse(timeline.created_at);
  const now = Date.now();
  const running = !isTerminalStatus(status);
  // While it goes on, the open spans grow: drawn again every second.
  const [, tick] = useState(0);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const ends = [
    ...timeline.steps.map((s) => Date.parse(s.started_at) + s.duration_ms),
    ...timeline.gaps.map((g) => (g.to ? Date.parse(g.to) : now)),
    timeline.completed_at ? Date.parse(timeline.completed_at) : running ? now : t0,
  ];
  const inFlight = status === 'running' ? stepInFlight(timeline, now) : null;
  const scale: Scale = { t0, span: Math.max(Math.max(...ends) - t0, 1) };
  const rows: Row[] = [
    ...timeline.steps.map((step) => ({ at: Date.parse(step.started_at), step })),
    ...timeline.gaps.map((gap) => ({ at: Date.parse(gap.from), gap })),
  ].sort((a, b) => a.at - b.at);

  if (rows.length === 0 && !inFlight) return <p class="muted">No step has run yet.</p>;
  return (
    <div class="waterfall">
      <div class="wf-axis" aria-hidden="true">
        <span>0</span>
        <span>{duration(scale.span)}</span>
      </div>
      <ol data-testid="timeline" aria-label="Timeline: steps, calls and waits">
        {rows.map((row, index) => {
          if ('gap' in row) {
            const ms = row.gap.to ? Date.parse(row.gap.to) - row.at : Date.now() - row.at;
            const label = `${gapLabel(row.gap, timeline.started_at, rows[index - 1])} · ${duration(ms)}${row.gap.to ? '' : ' so far'}`;
            return (
              <li class="wf-row wf-gap" data-testid="timeline-gap" data-status={row.gap.status}>
                <div class="wf-label">{label}</div>
                <Bar from={row.at} ms={ms} scale={scale} kind="gap" title={label} />
              </li>
            );
          }
          const s = row.step;
          const attempt = s.attempt > 1 ? ` · attempt ${s.attempt}` : '';
          const tokens = s.input_tokens + s.output_tokens > 0 ? ` · ${count(s.input_tokens + s.output_tokens)} tokens` : '';
          const label = `Step ${s.step}${attempt} · ${duration(s.duration_ms)} · ${OUTCOME[s.outcome]}${tokens}`;
          return (
            <li class={`wf-step is-${s.outcome}`} data-step={s.step} data-attempt={s.attempt} data-outcome={s.outcome}>
              <div class="wf-row">
                <div class="wf-label">
                  <strong>Step {s.step}</strong>
                  {attempt} · {duration(s.duration_ms)}
                  {s.outcome !== 'completed' && <span class="wf-outcome"> · {OUTCOME[s.outcome]}</span>}
                  {tokens}
                </div>
                <Bar from={row.at} ms={s.duration_ms} scale={scale} kind={s.outcome} title={label} />
              </div>
              {s.calls.length > 0 && (
                <ul class="wf-calls" aria-label={`Calls of step ${s.step}`}>
                  {s.calls.map((call) => (
                    <Call call={call} stepStart={row.at} scale={scale} />
                  ))}
                </ul>
              )}
            </li>
          );
        })}
        {inFlight && (
          <li class="wf-step is-running" data-testid="timeline-in-flight">
            <div class="wf-row">
              <div class="wf-label">
                <strong>Step {inFlight.step}</strong>
                {inFlight.attempt > 1 && ` · attempt ${inFlight.attempt}`} · running, {duration(now - inFlight.from)} so far
              </div>
              <Bar from={inFlight.from} ms={now - inFlight.from} scale={scale} kind="running" title={`Step ${inFlight.step} running`} />
            </div>
          </li>
        )}
      </ol>
    </div>
  );
}

/** The step a running run is in: after the last attempt (the same step again if that one is retried) and the last wait. */
function stepInFlight(timeline: ExecutionTimeline, now: number): { step: number; attempt: number; from: number } {
  const last = timeline.steps.at(-1);
  const from = Math.max(
    timeline.started_at ? Date.parse(timeline.started_at) : Date.parse(timeline.created_at),
    ...timeline.steps.map((s) => Date.parse(s.started_at) + s.duration_ms),
    ...timeline.gaps.map((g) => (g.to ? Date.parse(g.to) : now)),
  );
  if (!last) return { step: 1, attempt: 1, from };
  return last.outcome === 'completed' ? { step: last.step + 1, attempt: 1, from } : { step: last.step, attempt: last.attempt + 1, from };
}
