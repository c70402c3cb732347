import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import type { TurnItem } from '../../src/agent/chat/turn-items.js';
import { UiChunkBuilder } from '../../src/agent/chat/ui-chunk-builder.js';

const call = { toolCallId: 'call_1', toolName: 'run_tests', approvalId: 'ap_1' };
const row = (seq: number, step: number, eventType: string, context: Record<string, unknown> = {}): TurnItem => ({
  kind: 'log',
  seq,
  step,
  eventType,
  message: '',
  context,
});
const asked = [
  row(2, 1, 'tool_called', { ...call, input: { filter: 'x' } }),
  row(3, 1, 'tool.approval_requested', { ...call, input: { filter: 'x' } }),
];
const parked = [row(4, 1, 'step_completed'), row(5, 1, 'awaiting_input', { status: 'awaiting_input' })];
const answered = (approved: boolean, ok: boolean) => [
  row(6, 1, 'tool.approval_decided', { ...call, approved, ...(approved ? {} : { reason: 'no' }) }),
  row(7, 2, 'tool_completed', { ...call, ok, ...(approved ? { output: 'passed' } : { denied: true }) }),
  row(8, 2, 'step_completed', { text: 'done' }),
  row(9, 2, 'completed', { status: 'completed' }),
];

const chunksOf = (items: TurnItem[]) => {
  const builder = new UiChunkBuilder('turn');
  return [...builder.start(), ...items.flatMap((item) => builder.push(item))];
};

/** The message the AI SDK's own reader builds, going on from `message` as `useChat` does with the next request's stream. */
async function read(chunks: UIMessageChunk[], message?: UIMessage): Promise<UIMessage> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last = message;
  for await (const m of readUIMessageStream({ stream, message })) last = m;
  return last!;
}

const toolParts = (m: UIMessage) => m.parts.filter((p) => p.type === 'tool-run_tests') as Array<Record<string, unknown>>;

describe('UiChunkBuilder and tool approvals', () => {
  it('the stream after an approval goes on with the same tool part: its output, not a second part without input', async () => {
    const first = await read(chunksOf([...asked, ...parked]));
    expect(toolParts(first)).toEqual([expect.objectContaining({ state: 'approval-requested', input: { filter: 'x' } })]);
    // What the stream after the decision shows (afterSeq = 5), on the message the client holds.
    const next = await read(chunksOf(answered(true, true)), structuredClone(first));
    expect(toolParts(next)).toEqual([expect.objectContaining({ state: 'output-available', input: { filter: 'x' }, output: 'passed' })]);
  });

  it('a denial shows as output-denied (not a failed tool), at once and in a replay from the beginning', async () => {
    const replay = await read(chunksOf([...asked, ...parked.slice(0, 1), ...answered(false, false)]));
    expect(toolParts(replay)).toEqual([
      expect.objectContaining({ state: 'output-denied', approval: expect.objectContaining({ approved: false, reason: 'no' }) }),
    ]);
    const decidedOnly = chunksOf(answered(false, false).slice(0, 1));
    expect(decidedOnly.map((c) => c.type)).toEqual(['start', 'tool-approval-response', 'tool-output-denied']);
  });
});
