import { describe, expect, it } from 'vitest';
import type { TurnItem } from '../../src/agent/chat/turn-items.js';
import { TurnSequencer } from '../../src/agent/chat/turn-sequencer.js';

const token = (index: number, { seq = 1, step = 1, epoch = 1, partial = false } = {}): TurnItem => ({
  kind: 'token',
  seq,
  step,
  epoch,
  index,
  text: `t${step}.${epoch}.${index} `,
  ...(partial ? { partial } : {}),
});
const tokens = (from: number, to: number, at: Parameters<typeof token>[1] = {}) =>
  Array.from({ length: to - from }, (_, i) => token(from + i, at));
const stepCompleted = (seq: number, step: number, streamed: number, epoch = 1): TurnItem => ({
  kind: 'log',
  seq,
  step,
  eventType: 'step_completed',
  message: '',
  context: { streamed_tokens: streamed, token_epoch: epoch },
});
const started = (seq: number): TurnItem => ({ kind: 'log', seq, step: 1, eventType: 'started', message: '', context: {} });
const names = (items: TurnItem[]) =>
  items
    .filter((i) => i.kind === 'token' || i.eventType !== 'started')
    .map((i) => (i.kind === 'token' ? `${i.step}.${i.epoch}.${i.index}` : `row${i.seq}`));

/** A sequencer that has read the row (seq 1) the tokens of the tests follow. */
function sequencer(afterSeq?: number): TurnSequencer {
  const s = new TurnSequencer(afterSeq);
  s.add([started(1)]);
  return s;
}

describe('TurnSequencer', () => {
  it('merges a buffer prefix and a live suffix, each token once', () => {
    const s = sequencer();
    s.add(tokens(0, 6));
    s.add(tokens(4, 9));
    s.add(tokens(8, 10));
    const { items, gap } = s.take();
    expect(gap).toBeNull();
    expect(names(items)).toEqual(tokens(0, 10).map((t) => `1.1.${(t as { index: number }).index}`));
  });

  it('stops at a hole between the buffer and the live tokens, names it, and goes on once it is filled', () => {
    const s = sequencer();
    s.add(tokens(0, 4));
    s.add(tokens(7, 9));
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0', '1.1.1', '1.1.2', '1.1.3']);
    expect(first.gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 4 });
    s.add(tokens(4, 8)); // the re-read buffer, overlapping the live ones
    const second = s.take();
    expect(second.gap).toBeNull();
    expect(names(second.items)).toEqual(['1.1.4', '1.1.5', '1.1.6', '1.1.7', '1.1.8']);
  });

  it('holds a step_completed row until every token it says the step streamed went out', () => {
    const s = sequencer();
    s.add([...tokens(0, 3), stepCompleted(2, 1, 5), token(0, { seq: 2, step: 2 })]);
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0', '1.1.1', '1.1.2']);
    expect(first.gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 3 });
    s.add(tokens(3, 5));
    expect(names(s.take().items)).toEqual(['1.1.3', '1.1.4', 'row2', '2.1.0']);
  });

  it("keeps a retried step's lost attempt as its own tokens and does not wait for its hole once another attempt committed", () => {
    const s = sequencer();
    // Epoch 1 streamed 0..5 live, its runner died after buffering 0..2; epoch 2 ran the step again.
    s.add([...tokens(0, 3), token(5), started(3), ...tokens(0, 4, { seq: 3, epoch: 2 }), stepCompleted(4, 1, 4, 2)]);
    const { items, gap } = s.take();
    expect(gap).toBeNull();
    expect(names(items)).toEqual(['1.1.0', '1.1.1', '1.1.2', '1.2.0', '1.2.1', '1.2.2', '1.2.3', 'row4']);
  });

  it('holds a token until the row it follows came (a row still on its way from a source read earlier)', () => {
    const s = sequencer();
    s.add([token(0), token(0, { seq: 2, step: 2 })]);
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0']);
    expect(first.gap).toEqual({ kind: 'row', seq: 2 });
    s.add([stepCompleted(2, 1, 1)]);
    expect(names(s.take().items)).toEqual(['row2', '2.1.0']);
  });

  it('waits for a hole in an attempt that nothing shows is over', () => {
    const s = sequencer();
    s.add([...tokens(0, 2), token(5)]);
    expect(s.take().gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 2 });
  });

  it('reads a token cut to fit a notification from the buffer before sending it', () => {
    const s = sequencer();
    s.add([token(0), token(1, { partial: true }), token(2)]);
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0']);
    expect(first.gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 1 });
    s.add([token(1)]);
    const second = s.take();
    expect(names(second.items)).toEqual(['1.1.1', '1.1.2']);
    expect(second.items[0]).not.toHaveProperty('partial');
  });

  it('skips a gap that never closes, and leaves out what came up to afterSeq', () => {
    const s = sequencer(1);
    s.add([token(0, { seq: 1 }), token(3, { seq: 1 }), stepCompleted(1, 0, 0)]);
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0']);
    s.skip(first.gap!);
    expect(names(s.take().items)).toEqual(['1.1.3']);
  });
});

describe('TurnSequencer rows of a step commit', () => {
  const row = (seq: number, eventType: string, context: Record<string, unknown> = {}): TurnItem => ({
    kind: 'log',
    seq,
    step: 1,
    eventType,
    message: '',
    context,
  });

  it('lets rows the stream does not show pass a hole, and a late token still goes out after them', () => {
    const s = sequencer();
    s.add([...tokens(0, 3), row(2, 'llm.response'), stepCompleted(3, 1, 4)]);
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0', '1.1.1', '1.1.2', 'row2']);
    expect(first.gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 3 });
    s.add([token(3)]);
    expect(names(s.take().items)).toEqual(['1.1.3', 'row3']);
  });

  it('holds a tool row until the tokens its commit counts went out, and until its count row arrived', () => {
    const s = sequencer();
    s.add([...tokens(0, 2), row(2, 'tool_called', { toolCallId: 'c', toolName: 't' })]);
    const first = s.take();
    expect(names(first.items)).toEqual(['1.1.0', '1.1.1']);
    expect(first.gap).toEqual({ kind: 'commit', step: 1 });
    s.add([stepCompleted(3, 1, 3)]);
    expect(s.take().gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 2 });
    s.add([token(2)]);
    expect(names(s.take().items)).toEqual(['1.1.2', 'row2', 'row3']);
  });

  it('lets the tool rows of a step that streamed no token out with its commit (no count on it means none to wait for)', () => {
    const s = sequencer();
    const call = { toolCallId: 'c', toolName: 't', approvalId: 'a' };
    s.add([row(2, 'tool_called', call), row(3, 'tool.approval_requested', call), row(4, 'step_completed', { step_type: 'tool' })]);
    const { items, gap } = s.take();
    expect(gap).toBeNull();
    expect(names(items)).toEqual(['row2', 'row3', 'row4']);
  });

  it("waits for a failed step's tokens as its failure row counts them", () => {
    const s = sequencer();
    s.add([token(0), row(2, 'failed', { status: 'failed', streamed_tokens: 2, token_epoch: 1 })]);
    expect(s.take().gap).toEqual({ kind: 'tokens', step: 1, epoch: 1, from: 1 });
    s.add([token(1)]);
    expect(names(s.take().items)).toEqual(['1.1.1', 'row2']);
  });
});
