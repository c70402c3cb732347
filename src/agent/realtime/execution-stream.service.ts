import { Injectable } from '@nestjs/common';
import { rawRequest, takeRawResponse } from '../http/raw-http.js';
import type { AgentLogEntity } from '../executions/entities/agent-log.entity.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { isTerminal, type ExecutionStatus } from '../executions/execution-status.js';
import type { Scope } from '../tenancy/scope.js';
import { ExecutionEventBridge } from './execution-event-bridge.js';
import { RealtimeEventName, type RealtimeEvent } from './realtime-events.js';
import { LogEventType } from '../runtime/log-event-type.js';
import { OpenStreams } from './open-streams.js';

const HEARTBEAT_MS = 15_000;
const CATCH_UP_PAGE = 500;
/**
 * Sent with `finished`: an `EventSource` reconnects whenever a stream ends, so it comes back once,
 * soon, and learns from the 204 that there is nothing more (and then stays closed).
 */
const RECONNECT_AFTER_FINISHED_MS = 500;

/**
 * Server-Sent Events of one execution until it ends (`event: finished`). Live events come from
 * the event bridge (pushed, not polled); what came before — or after `Last-Event-ID` — is
 * replayed from the logs, and live events that arrive meanwhile are held back and de-duplicated
 * by `seq`, so the stream has no gap and no repeat. A caller back after the end with every event
 * (an `EventSource` reconnecting after `finished`) gets 204 No Content, which closes an
 * `EventSource` for good instead of a reconnect loop.
 */
@Injectable()
export class ExecutionStreamService {
  constructor(
    private readonly reader: ExecutionReader,
    private readonly bridge: ExecutionEventBridge,
    private readonly open: OpenStreams,
  ) {}

  /** `request` and `response` are the platform's (Express or Fastify): the stream is written on Node's own. */
  async stream(scope: Scope, executionId: string, lastEventId: number, request: unknown, response: unknown): Promise<void> {
    const execution = await this.reader.get(scope, executionId); // 404 before anything is written
    const req = rawRequest(request);
    const res = takeRawResponse(response);
    if (lastEventId > 0 && isTerminal(execution.status) && !(await this.hasLogsAfter(scope, executionId, lastEventId))) {
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();

    // What the client has: everything up to `top`, and at `top` the event kinds in `atTop` (null = all).
    let top = lastEventId;
    let atTop: Set<string> | null = null;
    let held: RealtimeEvent[] | null = [];
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stop();
      clearInterval(heartbeat);
      res.end();
    };
    const send = (e: RealtimeEvent) => {
      if (closed) return;
      if (e.event === RealtimeEventName.TokenDelta) {
        res.write(frame(e.event, e.payload)); // live only, never replayed: no id
        return;
      }
      if (e.seq < top || (e.seq === top && (atTop === null || atTop.has(e.event)))) return;
      if (e.seq > top) {
        top = e.seq;
        atTop = new Set();
      }
      atTop!.add(e.event);
      res.write(frame(e.event, e.payload, e.seq));
      const status = e.event === RealtimeEventName.StatusChanged ? (e.payload.status as ExecutionStatus) : null;
      if (status && isTerminal(status)) finish(status);
    };
    const finish = (status: ExecutionStatus) => {
      res.write(`retry: ${RECONNECT_AFTER_FINISHED_MS}\n${frame('finished', { execution_id: executionId, status })}`);
      close();
    };
    const stopLive = this.bridge.listen((events) => {
      for (const e of events) {
        if (e.execution_id !== executionId) continue;
        if (held) held.push(e);
        else send(e);
      }
    });
    // While the notifier is down, what arrives live may come after events the outage lost (its
    // subscription is back before it says `up`): it is held, so `top` stays below the gap. Back
    // `up`, what it lost is read from the logs, as at the start, and then what was held.
    const stopResync = this.bridge.onStateChange((state) => {
      if (closed) return;
      held ??= [];
      if (state === 'up') void catchUpFrom(() => Math.max(0, top - 1));
    });
    const stopTracking = this.open.add(() => close());
    const stop = () => {
      stopLive();
      stopResync();
      stopTracking();
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.on('close', close);

    /**
     * Everything committed after `afterId` from the truth, then what arrived live meanwhile; ends the
     * stream once the run has. While the notifier is down, what arrived live stays held for the
     * catch-up that follows its return.
     */
    const catchUp = async (afterId: number): Promise<void> => {
      while (!closed) {
        const page = await this.reader.logsAfter(scope, executionId, { afterId, limit: CATCH_UP_PAGE });
        for (const log of page.data) for (const e of eventsOfLog(execution.tenantId, execution.userId, log)) send(e);
        if (!page.next_cursor) break;
        afterId = Number(page.next_cursor);
      }
      if (this.bridge.state() !== 'up') return;
      const live = held ?? [];
      held = null;
      for (const e of live) send(e);
      if (closed) return;
      const { status } = await this.reader.get(scope, executionId);
      if (isTerminal(status)) finish(status);
    };
    // One catch-up at a time: one that released what was held while another still read would move `top` past what it reads.
    let catchingUp = Promise.resolve();
    const catchUpFrom = (afterId: () => number): Promise<void> =>
      (catchingUp = catchingUp.then(() => catchUp(afterId())).catch(() => close()));
    await this.bridge.ready();
    await catchUpFrom(() => lastEventId);
  }

  private async hasLogsAfter(scope: Scope, executionId: string, afterId: number): Promise<boolean> {
    return (await this.reader.logsAfter(scope, executionId, { afterId, limit: 1 })).data.length > 0;
  }
}

function frame(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The events a committed log row stands for (the same ones the runner published for it). */
export function eventsOfLog(tenantId: string, userId: string, log: AgentLogEntity): RealtimeEvent[] {
  const seq = Number(log.id);
  const base = { tenant_id: tenantId, user_id: userId, execution_id: log.executionId, seq };
  const events: RealtimeEvent[] = [
    {
      ...base,
      event: RealtimeEventName.LogAppended,
      payload: {
        execution_id: log.executionId,
        seq,
        id: seq,
        step_number: log.stepNumber,
        level: log.level,
        event_type: log.eventType,
        message: log.message,
        context: log.context,
        created_at: log.createdAt.toISOString(),
      },
    },
  ];
  const context = log.context as {
    status?: string;
    step_type?: string;
    tool_names?: string[];
    input_tokens?: number;
    output_tokens?: number;
  };
  if (log.eventType === LogEventType.StepCompleted) {
    events.push({
      ...base,
      event: RealtimeEventName.StepCompleted,
      payload: {
        execution_id: log.executionId,
        seq,
        step_number: log.stepNumber,
        step_type: context.step_type ?? 'custom',
        tool_names: context.tool_names ?? [],
        tokens_used: (context.input_tokens ?? 0) + (context.output_tokens ?? 0),
        timestamp: log.createdAt.toISOString(),
      },
    });
  }
  if (typeof context.status === 'string') {
    events.push({
      ...base,
      event: RealtimeEventName.StatusChanged,
      payload: { execution_id: log.executionId, seq, status: context.status, step_count: log.stepNumber },
    });
  }
  return events;
}
