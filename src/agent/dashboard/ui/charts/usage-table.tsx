import type { UsageLine } from '../../../../../client/index.js';
import { count, usd } from '../format.js';

interface Props<T extends UsageLine> {
  /** The table's accessible name. */
  label: string;
  /** The first column's heading and value: the model, the user. */
  column: string;
  name: (line: T) => string;
  lines: T[];
  testId?: string;
}

/** Usage lines, the costliest first, with their total. */
export function UsageTable<T extends UsageLine>({ label, column, name, lines, testId }: Props<T>) {
  const sorted = [...lines].sort(
    (a, b) => b.cost_usd - a.cost_usd || b.input_tokens + b.output_tokens - (a.input_tokens + a.output_tokens),
  );
  const total = lines.reduce(
    (sum, l) => ({
      input_tokens: sum.input_tokens + l.input_tokens,
      output_tokens: sum.output_tokens + l.output_tokens,
      cost_usd: sum.cost_usd + l.cost_usd,
      requests: sum.requests + l.requests,
    }),
    { input_tokens: 0, output_tokens: 0, cost_usd: 0, requests: 0 },
  );
  return (
    <div class="table-wrap">
      <table aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            <th>{column}</th>
            <th class="num">Cost</th>
            <th class="num">Calls</th>
            <th class="num">Input tokens</th>
            <th class="num">Output tokens</th>
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                Nothing used in the window.
              </td>
            </tr>
          )}
          {sorted.map((line) => (
            <tr>
              <td class="mono">{name(line)}</td>
              <td class="num">{usd(line.cost_usd)}</td>
              <td class="num">{count(line.requests)}</td>
              <td class="num">{count(line.input_tokens)}</td>
              <td class="num">{count(line.output_tokens)}</td>
            </tr>
          ))}
        </tbody>
        {sorted.length > 1 && (
          <tfoot>
            <tr>
              <td>Total</td>
              <td class="num">{usd(total.cost_usd)}</td>
              <td class="num">{count(total.requests)}</td>
              <td class="num">{count(total.input_tokens)}</td>
              <td class="num">{count(total.output_tokens)}</td>
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}
