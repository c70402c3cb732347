import type { AgentLogEntity } from '../executions/entities/agent-log.entity.js';
import { RealtimeEventName, type RealtimeEvent } from '../realtime/realtime-events.js';
import type { BufferedToken } from './turn-token-buffer.js';

/**
 * What a turn's chat stream is made of: its committed log rows (the truth, by `seq`) and the token
 * deltas its steps streamed. A token carries the `seq` of the last row committed before it, so the
 * two sources interleave in one order: a row, then the tokens that followed it, then the next row.
 * `partial`: heard live but cut to fit a notification; the whole item is read before it is sent.
 */
export type TurnItem =
  | { kind: 'log'; seq: number; step: number; eventType: string; message: string; context: Record<string, unknown>; partial?: boolean }
  | { kind: 'token'; seq: number; step: number; epoch: number; index: number; text: string; partial?: boolean };

export type TokenItem = Extract<TurnItem, { kind: 'token' }>;

/** Negative for `a` before `b`; zero for the same item (whichever source it came from). */
export function compareItems(a: TurnItem, b: TurnItem): number {
  if (a.seq !== b.seq) return a.seq - b.seq;
  if (a.kind !== b.kind) return a.kind === 'log' ? -1 : 1;
  if (a.kind === 'log' || b.kind === 'log') return 0;
  return a.step - b.step || a.epoch - b.epoch || a.index - b.index;
}

/** The attempt a token belongs to: a step under one lease epoch. */
export const attemptOf = (t: { step: number; epoch: number }): string => `${t.step}:${t.epoch}`;

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
  const partial = p.truncated === true ? { partial: true } : {};
  if (e.event === RealtimeEventName.TokenDelta) {
    const token = { seq: e.seq, step: p.step_number as number, epoch: (p.epoch as number) ?? 0, index: p.index as number };
    return { kind: 'token', ...token, text: p.text as string, ...partial };
  }
  if (e.event === RealtimeEventName.LogAppended) {
    return {
      kind: 'log',
      seq: e.seq,
      step: p.step_number as number,
      eventType: p.event_type as string,
      message: p.message as string,
      context: (p.context ?? {}) as Record<string, unknown>,
      ...partial,
    };
  }
  return null;
}
