import { LogEventType } from '../runtime/log-event-type.js';
import { attemptOf, compareItems, type TokenItem, type TurnItem } from './turn-items.js';
import { rendersRow, TOOL_APPROVAL_REQUESTED } from './ui-chunk-builder.js';

type RowItem = Extract<TurnItem, { kind: 'log' }>;

/**
 * What keeps the next item from going out: tokens of an attempt from `from` on (read the buffer),
 * a row heard cut or not heard yet while a token names it as its predecessor (read it), or the row
 * of a step's commit that says how many tokens the step streamed (read the rows: the rest of that commit).
 */
export type Gap =
  { kind: 'tokens'; step: number; epoch: number; from: number } | { kind: 'row'; seq: number } | { kind: 'commit'; step: number };

/** Rows a step's commit writes before its `step_completed` row. */
const STEP_ROWS = new Set<string>([LogEventType.ToolCalled, LogEventType.ToolCompleted, TOOL_APPROVAL_REQUESTED]);

/** The rows that end a step's commit: the count is on them, left out when the step streamed no token. */
const COUNT_ROWS = new Set<string>([LogEventType.StepCompleted, LogEventType.Failed]);

/**
 * Puts a turn's items out in order, each once, whichever source they came from (log rows read,
 * the token buffer, live events) and in whatever order they arrived. Exact by construction: a token
 * goes out only after its predecessor in its attempt, and a row the stream shows only after all
 * the tokens before it — the step's commit says how many its attempt streamed (`streamed_tokens`,
 * `token_epoch` on its `step_completed` or `failed` row); otherwise `take` stops at the gap and
 * names it, for the caller to read. Never skipped, except by `skip` (a gap that never closes).
 *
 * A retried step (its runner died; the same step under a new lease epoch) streams again from 0: the
 * lost attempt's tokens are its own text part, and a hole in them is not waited for once another
 * attempt or step shows that attempt is over (its runner is gone: its missing tokens never arrive).
 */
export class TurnSequencer {
  private pending: TurnItem[] = [];
  private sorted = true;
  /** The last item shown: what sorts before it is a repeat, or too late. Rows the stream does not show leave it. */
  private last: TurnItem | null;
  /** The next token index each attempt expects. */
  private readonly next = new Map<string, number>();
  /** Attempts whose remaining tokens are dropped: over, with a hole that will never close. */
  private readonly abandoned = new Set<string>();
  /** Rows let through without the tokens they wait for (their gap was skipped). */
  private readonly excused = new Set<number>();
  /** The newest row seen, from any source (each source has every row of the turn up to its newest, in order). */
  private newestRow = 0;

  /** `afterSeq`: items up to this log row are left out (a turn resumed after a tool approval). */
  constructor(afterSeq?: number) {
    this.last = afterSeq === undefined ? null : { kind: 'log', seq: afterSeq, step: 0, eventType: '', message: '', context: {} };
  }

  add(items: Iterable<TurnItem>): void {
    for (const item of items) {
      this.pending.push(item);
      this.sorted = false;
      if (item.kind === 'log') this.newestRow = Math.max(this.newestRow, item.seq);
    }
  }

  /** The items that can go out now, in order; stops before a gap, which it names. */
  take(): { items: TurnItem[]; gap: Gap | null } {
    if (!this.sorted) this.pending.sort(compareItems);
    this.sorted = true;
    const items: TurnItem[] = [];
    let gap: Gap | null = null;
    let i = 0;
    for (; i < this.pending.length; i++) {
      const item = this.pending[i];
      if (this.last && compareItems(item, this.last) <= 0) continue;
      if (item.partial) {
        const whole = this.pending[i + 1];
        if (whole && !whole.partial && compareItems(whole, item) === 0) continue;
        gap =
          item.kind === 'log' ? { kind: 'row', seq: item.seq } : { kind: 'tokens', step: item.step, epoch: item.epoch, from: item.index };
        break;
      }
      if (item.kind === 'token') {
        // The row committed before it may still be on its way: a token never goes out ahead of it.
        if (item.seq > this.newestRow) {
          gap = { kind: 'row', seq: item.seq };
          break;
        }
        const attempt = attemptOf(item);
        if (this.abandoned.has(attempt)) continue;
        const expected = this.next.get(attempt) ?? 0;
        if (item.index < expected) continue;
        if (item.index > expected) {
          if (!this.isOver(item, i)) {
            gap = { kind: 'tokens', step: item.step, epoch: item.epoch, from: expected };
            break;
          }
          this.abandoned.add(attempt);
          continue;
        }
        this.next.set(attempt, expected + 1);
      } else if (rendersRow(item)) {
        gap = this.missingBefore(item, i);
        if (gap) break;
      } else {
        // Shown as nothing: a repeat would be harmless, and tokens sorting before it may still come.
        items.push(item);
        continue;
      }
      this.last = item;
      items.push(item);
    }
    this.pending.splice(0, i);
    return { items, gap };
  }

  /** Gives up on a gap that did not close (tokens past `chat.maxBufferedTokens`, a lost write): what follows it goes out. */
  skip(gap: Gap): void {
    if (gap.kind === 'row') {
      for (const item of this.pending) if (item.kind === 'log' && item.seq === gap.seq) item.partial = false;
      this.newestRow = Math.max(this.newestRow, gap.seq);
      return;
    }
    if (gap.kind === 'commit') {
      this.excused.add(gap.step);
      return;
    }
    const attempt = attemptOf(gap);
    const later = this.pending.find((p): p is TokenItem => p.kind === 'token' && attemptOf(p) === attempt && p.index >= gap.from);
    if (later) this.next.set(attempt, later.index);
    else this.excused.add(gap.step);
  }

  /**
   * The tokens a shown row of a step's commit must follow: all that the commit's count row says its
   * attempt streamed. The count row is this row, or comes after it in the same commit; a tool row
   * whose count row has not arrived yet (a commit's events can come in two messages) waits for it.
   */
  private missingBefore(row: RowItem, at: number): Gap | null {
    if (this.excused.has(row.step)) return null;
    const counted = this.countRow(row, at);
    if (!counted) return STEP_ROWS.has(row.eventType) ? { kind: 'commit', step: row.step } : null;
    // A commit of a step that streamed nothing leaves the count out: nothing to wait for.
    if (typeof counted.context.streamed_tokens !== 'number') return null;
    const streamed = counted.context.streamed_tokens;
    const epoch = counted.context.token_epoch as number;
    const sent = this.next.get(attemptOf({ step: row.step, epoch })) ?? 0;
    return sent < streamed ? { kind: 'tokens', step: row.step, epoch, from: sent } : null;
  }

  /** The row of the same step, this one or a later one, that says how many tokens its attempt streamed (none when it has no count). */
  private countRow(row: RowItem, at: number): RowItem | undefined {
    for (let i = at; i < this.pending.length; i++) {
      const p = i === at ? row : this.pending[i];
      if (p.kind === 'log' && p.step === row.step && (typeof p.context.streamed_tokens === 'number' || COUNT_ROWS.has(p.eventType)))
        return p;
    }
    return undefined;
  }

  /**
   * Whether the token's attempt is over with a hole before it: something later shows another attempt
   * or step took over, and no count row says this attempt won. (A turn that ended while the hole's
   * tokens are still on their way to the buffer is not over: they are waited for.)
   */
  private isOver(token: TokenItem, at: number): boolean {
    let over = false;
    for (let i = at + 1; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (p.kind === 'token') {
        if (p.step > token.step || (p.step === token.step && p.epoch > token.epoch)) over = true;
        continue;
      }
      if (p.eventType !== LogEventType.StepCompleted || p.step < token.step) continue;
      // The attempt that committed the step: its tokens are all coming.
      if (p.step === token.step && p.context.token_epoch === token.epoch) return false;
      over = true;
    }
    return over;
  }
}
