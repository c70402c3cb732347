import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** One value per time; null draws a gap. */
  values: (number | null)[];
  color: string;
  /** Bars instead of a line (counts per bucket). */
  bars?: boolean;
}

interface Props {
  title: string;
  /** Bucket starts, in milliseconds since the epoch. */
  times: number[];
  series: ChartSeries[];
  /** How a value reads on the axis and in the legend. */
  format?: (value: number) => string;
  height?: number;
  /** Bar series drawn on top of each other (the first at the bottom), each bar as tall as its own value. */
  stacked?: boolean;
  /** The values are whole numbers (counts, milliseconds): no ticks between them. */
  whole?: boolean;
  testId?: string;
}

const barPaths = uPlot.paths.bars?.({ size: [0.8, 40] });

/** A value with nothing on either side draws no line: it is drawn as a dot instead. */
const lonePoints = (u: uPlot, seriesIndex: number): number[] | null => {
  const values = u.data[seriesIndex]!;
  const lone: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] != null && values[i - 1] == null && values[i + 1] == null) lone.push(i);
  return lone.length ? lone : null;
};

/** Tick steps for whole numbers: 1, 2, 5, 10, 20, 50, … */
const WHOLE_STEPS = Array.from({ length: 13 }, (_, power) => [1, 2, 5].map((m) => m * 10 ** power)).flat();

const bucketStart = (ms: number): string => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

/**
 * A time-series chart (uPlot, canvas): fits its container's width and follows it as it changes, and
 * updates in place when the data does. Each value is drawn in the middle of its bucket, the last
 * bucket whole. The legend reads the bucket under the cursor, or the newest one. Screen readers get
 * the title and the latest values as text.
 */
export function TimeChart({
  title,
  times,
  series: given,
  format = (v) => String(Math.round(v * 100) / 100),
  height = 180,
  stacked = false,
  whole = false,
  testId,
}: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const series = stacked ? stack(given) : given.map((s) => ({ ...s, plotted: s.values }));
  const step = times.length > 1 ? (times[1]! - times[0]!) / 1000 : 60;
  // What the options' callbacks read: the latest props, whatever they were when the chart was built.
  const latest = useRef({ series, times, step });
  latest.current = { series, times, step };
  const shape = `${stacked}|${series.map((s) => `${s.label}:${s.bars ? 'b' : 'l'}`).join('|')}`;
  const data = [times.map((t) => t / 1000 + step / 2), ...series.map((s) => s.plotted)] as uPlot.AlignedData;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const at = (index: number | null) => index ?? latest.current.times.length - 1;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // From the first bucket's start to the last one's end.
        x: {
          time: true,
          range: (u) => {
            const { times: t, step: s } = latest.current;
            return t.length ? [t[0]! / 1000, t[t.length - 1]! / 1000 + s] : [u.scales.x!.min ?? 0, u.scales.x!.max ?? 1];
          },
        },
        // Everything charted here counts or times something: the axis starts at zero, and an empty chart still has one.
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
      },
      // NOTE: the value axis as wide as its longest label ("$0.0125", "1 min 30 s"), about 7 px a character at 12 px.
      axes: [
        {},
        {
          values: (_u, ticks) => ticks.map(format),
          size: (_u, values) => 18 + 7 * Math.max(3, ...(values ?? []).map((v) => v.length)),
          incrs: whole ? WHOLE_STEPS : undefined,
        },
      ],
      series: [
        {
          value: (_u: uPlot, _v: number | null, _s: number, index: number | null) => {
            const t = latest.current.times[at(index)];
            return t === undefined ? '—' : bucketStart(t);
          },
        },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? (stacked ? s.color : `${s.color}99`) : undefined,
          width: s.bars ? 0 : 2,
          paths: s.bars ? barPaths : undefined,
          points: { show: false, filter: s.bars ? null : lonePoints, size: 6, fill: s.color },
          // The series' own value (not a stack's running sum).
          value: (_u: uPlot, _v: number | null, seriesIndex: number, index: number | null) => {
            const v = latest.current.series[seriesIndex - 1]?.values[at(index)];
            return v === null || v === undefined ? '—' : format(v);
          },
        })),
      ],
    };
    plot.current = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 200), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // NOTE: built again only when the series change shape; new data is set in place below.
  }, [shape, height, whole]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const newest = given.map((s) => {
    const last = [...s.values].reverse().find((v) => v !== null);
    return `${s.label}: ${last === undefined || last === null ? 'none' : format(last)}`;
  });
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}. Latest: ${newest.join('; ')}`} />
    </figure>
  );
}

/**
 * Stacked bars as uPlot draws them: each bar series' running sum from the bottom up, listed top
 * first, so the taller sums are drawn first and each shorter one covers all but its own part of
 * them. Lines are kept as they are, ahead of the bars.
 */
function stack(series: ChartSeries[]): (ChartSeries & { plotted: (number | null)[] })[] {
  const bars = series.filter((s) => s.bars);
  const sums: (number | null)[][] = [];
  bars.forEach((s, i) => sums.push(s.values.map((v, j) => (i === 0 ? (v ?? 0) : (sums[i - 1]![j] ?? 0) + (v ?? 0)))));
  return [
    ...series.filter((s) => !s.bars).map((s) => ({ ...s, plotted: s.values })),
    ...bars.map((s, i) => ({ ...s, plotted: sums[i]! })).reverse(),
  ];
}
