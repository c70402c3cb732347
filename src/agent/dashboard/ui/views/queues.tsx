import type { DashboardQueues, QueueWorker } from '../../../../../client/index.js';
import { COLORS } from '../charts/palette.js';
import { QueueBoardButton } from '../charts/queue-board-button.js';
import { bucketTimes, perBucket } from '../charts/stats-window.js';
import { Tile } from '../charts/tile.js';
import { TimeChart } from '../charts/time-chart.js';
import { count, duration } from '../format.js';
import { StatsPage } from '../charts/stats-page.js';

type Queue = DashboardQueues['queues'][number];

/** Every queue: its depth now, what went through it and how long runs waited over the window, and the workers on it. */
export function QueuesView() {
  return (
    <StatsPage
      title="Queues"
      read={(client, window) => client.admin.dashboard.queues(window)}
      toolbar={() => <QueueBoardButton label="Open bull-board" testId="queues-board" />}
    >
      {(data) => (
        <div class="grid" data-testid="queues" data-window={data.window}>
          {data.queues.map((queue) => (
            <QueueCard queue={queue} per={perBucket(data.bucket_seconds)} />
          ))}
        </div>
      )}
    </StatsPage>
  );
}

function QueueCard({ queue, per }: { queue: Queue; per: string }) {
  const times = bucketTimes(queue.series);
  const id = `queue-${queue.queue}`;
  return (
    <section class="card" aria-labelledby={id} data-testid={id}>
      <div class="toolbar">
        <h2 id={id}>{queue.queue}</h2>
        <QueueBoardButton queue={queue.queue} label="Jobs" testId={`${id}-board`} />
      </div>
      <div class="tiles compact">
        <Tile label="waiting" value={count(queue.waiting)} testId={`${id}-waiting`} />
        <Tile label="active" value={count(queue.active)} testId={`${id}-active`} />
        <Tile label="delayed" value={count(queue.delayed)} testId={`${id}-delayed`} />
        <Tile label="failed jobs" value={count(queue.failed)} testId={`${id}-failed`} />
        <Tile label="running" value={count(queue.running)} testId={`${id}-running`} />
      </div>
      <TimeChart
        title={`Throughput ${per}`}
        times={times}
        series={[
          { label: 'started', values: queue.series.map((b) => b.started), color: COLORS.started },
          { label: 'finished', values: queue.series.map((b) => b.finished), color: COLORS.completed },
        ]}
        format={count}
        height={150}
        whole
        testId={`${id}-throughput`}
      />
      <TimeChart
        title={`Wait for a worker ${per}`}
        times={times}
        series={[
          { label: 'p50', values: queue.series.map((b) => b.wait.p50_ms), color: COLORS.p50 },
          { label: 'p95', values: queue.series.map((b) => b.wait.p95_ms), color: COLORS.p95 },
        ]}
        format={duration}
        height={150}
        whole
        testId={`${id}-wait`}
      />
      <Workers workers={queue.workers} testId={`${id}-workers`} />
    </section>
  );
}

function Workers({ workers, testId }: { workers: QueueWorker[]; testId: string }) {
  if (workers.length === 0)
    return (
      <p class="muted" data-testid={testId}>
        No worker online on this queue.
      </p>
    );
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <caption>
          {workers.length} worker{workers.length === 1 ? '' : 's'} online
        </caption>
        <thead>
          <tr>
            <th>Name</th>
            <th>Address</th>
            <th class="num">Connected for</th>
            <th class="num">Idle</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr>
              <td class="mono">{w.name}</td>
              <td class="mono">{w.addr ?? '—'}</td>
              <td class="num">{seconds(w.age_seconds)}</td>
              <td class="num">{seconds(w.idle_seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const seconds = (s: number | null): string => (s === null ? '—' : duration(s * 1000));
