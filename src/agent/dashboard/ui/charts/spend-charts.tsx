import { usd } from '../format.js';
import { COLORS, compact } from './palette.js';
import { TimeChart } from './time-chart.js';

/** A bucket's spend, as the overview's and the usage's series both carry it. */
export interface SpendBucket {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

interface Props {
  times: number[];
  buckets: SpendBucket[];
  /** "per minute", "per hour": the buckets' width, for the title. */
  per: string;
  testId: string;
}

/** Input and output tokens per bucket, stacked. */
export function TokensChart({ times, buckets, per, testId }: Props) {
  return (
    <TimeChart
      title={`Tokens ${per}`}
      times={times}
      stacked
      series={[
        { label: 'input', values: buckets.map((b) => b.input_tokens), color: COLORS.input, bars: true },
        { label: 'output', values: buckets.map((b) => b.output_tokens), color: COLORS.output, bars: true },
      ]}
      format={compact}
      whole
      testId={testId}
    />
  );
}

/** Cost per bucket, in USD. */
export function CostChart({ times, buckets, per, testId }: Props) {
  return (
    <TimeChart
      title={`Cost ${per}`}
      times={times}
      series={[{ label: 'USD', values: buckets.map((b) => b.cost_usd), color: COLORS.cost, bars: true }]}
      format={usd}
      testId={testId}
    />
  );
}
