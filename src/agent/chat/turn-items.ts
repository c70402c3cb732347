import type { AgentLogEntity } from '../executions/entities/agent-log.entity.js';
import { RealtimeEventName, type RealtimeEvent } from '../realtime/realtime-events.js';
import type { BufferedToken } from './turn-token-buffer.js';

/**
 * What a turn's chat stream is made of: its committed log rows (the truth, by `seq`) and the token
 * deltas its steps streamed. A token carries the `seq` of the last row committed before it, so the
 * two sources interleave in one order: a row, then the tokens that followed it, then the next row.
 */
export type TurnItem =
  | { kind: 'log'; seq: number; step: number; eventType: string; message: string; context: Record<string, unknown> }
  | { kind: 'token'; seq: number; step: number; index: number; text: string };

/** Negative for `a` before `b`; equal keys are the same item. */
export function compareItems(a: TurnItem, b: TurnItem): number {
  if (a.seq !== b.seq) return a.seq - b.seq;
  const rank = (i: TurnItem) => (i.kind === 'log' ? -1 : i.index);
  return rank(a) - rank(b);
}

export const itemOfLog = (log: AgentLogEntity): TurnItem => ({
  kind: 'log',
  seq: Number(log.id),
  step: log.stepNumber ?? 0,
  eventType: log.eventType,
  message: log.message,
  context: (log.context ?? {}) as Record<string, unknown>,
});

export const itemOfToken = (token: BufferedToken): TurnItem => ({ kind: 'token', ...token });

/** The item a live event stands for (log rows and tokens; status and step events repeat their row). */
export function itemOfEvent(e: RealtimeEvent): TurnItem | null {
  const p = e.payload;
  if (e.event === RealtimeEventName.TokenDelta) {
    return { kind: 'token', seq: e.seq, step: p.step_number as number, index: p.index as number, text: p.text as string };
  }
  if (e.event === RealtimeEventName.LogAppended) {
    if (p.truncated) return null; // cut to fit a notification: the stream reads the whole row instead
    return {
      kind: 'log',
      seq: e.seq,
      step: p.step_number as number,
      eventType: p.event_type as string,
      message: p.message as string,
      context: (p.context ?? {}) as Record<string, unknown>,
    };
  }
  return null;
}
