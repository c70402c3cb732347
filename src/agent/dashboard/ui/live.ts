import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { AgentsClient, LogEvent, StatusEvent, StepEvent } from '../../../../client/index.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** What the tenant's feed says, by kind. `connect`: (re)connected, so whatever a view shows is read again. */
export interface LiveEvents {
  status: StatusEvent;
  step: StepEvent;
  log: LogEvent;
  work: { kind: 'conversation' | 'pipeline'; view: Record<string, unknown> };
  connect: undefined;
  state: LiveState;
}

type Handler<K extends keyof LiveEvents> = (event: LiveEvents[K]) => void;

/**
 * One socket for the whole page (`client.admin.watch`), fanned out to whichever views are on screen:
 * a view listens while it is mounted and stops when it goes.
 */
export class LiveBus {
  private readonly handlers = new Map<keyof LiveEvents, Set<Handler<keyof LiveEvents>>>();
  state: LiveState = 'connecting';
  private feed: { close(): void } | null = null;

  open(client: AgentsClient): void {
    this.feed = client.admin.watch({
      onConnect: () => {
        this.setState('live');
        this.emit('connect', undefined);
      },
      onError: () => this.setState('offline'),
      onDelivery: (state) => this.setState(state === 'up' ? 'live' : 'reconnecting'),
      onStatus: (event) => this.emit('status', event),
      onStep: (event) => this.emit('step', event),
      onLog: (event) => this.emit('log', event),
      onWorkUpdated: (kind, view) => this.emit('work', { kind, view }),
    });
  }

  close(): void {
    this.feed?.close();
    this.feed = null;
  }

  on<K extends keyof LiveEvents>(kind: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    set.add(handler as Handler<keyof LiveEvents>);
    return () => set.delete(handler as Handler<keyof LiveEvents>);
  }

  emit<K extends keyof LiveEvents>(kind: K, event: LiveEvents[K]): void {
    for (const handler of this.handlers.get(kind) ?? []) handler(event);
  }

  private setState(state: LiveState): void {
    this.state = state;
    this.emit('state', state);
  }
}

export const LiveContext = createContext<LiveBus | null>(null);

export function useLiveBus(): LiveBus {
  const bus = useContext(LiveContext);
  if (!bus) throw new Error('useLive outside the signed-in page');
  return bus;
}

/** Calls `handler` for every `kind` event while the component is mounted (always its latest closure). */
export function useLive<K extends keyof LiveEvents>(kind: K, handler: Handler<K>): void {
  const bus = useLiveBus();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => bus.on(kind, (event) => latest.current(event)), [bus, kind]);
}
