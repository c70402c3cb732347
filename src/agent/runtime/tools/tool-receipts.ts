import type { ToolSet } from 'ai';
import type { JsonValue } from '../json.js';

/** A tool call a failed attempt of this step completed and committed (its `tool_completed` log). */
export interface ToolReceipt {
  toolName: string;
  input: JsonValue;
  output: JsonValue;
}

/** The same call: the tool's name and its input as canonical JSON (keys sorted), whatever the order the model wrote them in. */
export const receiptKey = (toolName: string, input: unknown): string => `${toolName}\u0000${canonicalJson(input)}`;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A retried step must not repeat a side effect: a call the failed attempt already completed (same
 * tool, same input) answers with the committed result instead of running again. `onReuse` is told
 * of each (for the log). With no receipts, the tools are returned as they are.
 */
export function reuseReceipts<T extends ToolSet | undefined>(
  tools: T,
  receipts: readonly ToolReceipt[],
  onReuse: (receipt: ToolReceipt) => void,
): T {
  if (!tools || receipts.length === 0) return tools;
  const byCall = new Map(receipts.map((r) => [receiptKey(r.toolName, r.input), r]));
  const wrapped: ToolSet = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = tool.execute;
    wrapped[name] = !execute
      ? tool
      : {
          ...tool,
          execute: (input: unknown, options: unknown) => {
            const receipt = byCall.get(receiptKey(name, input));
            if (!receipt) return (execute as (i: unknown, o: unknown) => unknown)(input, options);
            onReuse(receipt);
            return receipt.output;
          },
        };
  }
  return wrapped as T;
}
