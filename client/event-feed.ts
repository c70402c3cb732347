import { io, type Socket } from 'socket.io-client';
import type { RealtimeOptions } from './realtime.js';
import { socketTarget } from './realtime.js';
import type { LogEvent, StatusEvent, StepEvent } from './types.js';

export interface FeedHandlers {
  onStatus?: (event: StatusEvent) => void;
  onStep?: (event: StepEvent) => void;
  onLog?: (event: LogEvent) => void;
  /** `conversation.updated` / `pipeline.updated` with the conversation's or pipeline's view. */
  onWorkUpdated?: (kind: 'conversation' | 'pipeline', view: Record<string, unknown>) => void;
  /**
   * Connected, first or again. Events sent while the socket was down are not replayed here:
   * reload what you show (the feed is for lists; `subscribe` catches one execution up by itself).
   */
  onConnect?: () => void;
  /**
   * The server's delivery: `reconnecting` while its notifier is down (events are late), `up` again
   * after; `onConnect` is then called too, since what was published meanwhile is lost.
   */
  onDelivery?: (state: 'up' | 'reconnecting') => void;
  onError?: (error: Error) => void;
}

export interface Feed {
  close(): void;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Every event the caller's socket receives, whatever the execution: the user's own executions, and
 * for an admin the whole tenant's (the gateway puts admins in the tenant's room). Its own socket,
 * so it never disturbs the subscriptions' catch-up.
 */
export function openFeed(options: RealtimeOptions, handlers: FeedHandlers): Feed {
  const { url, path } = socketTarget(options.baseUrl);
  let retry: { timer: ReturnType<typeof setTimeout>; delay: number } | null = null;
  let closed = false;
  const socket: Socket = io(url, {
    ...(path ? { path } : {}),
    ...options.socketOptions,
    // A function: asked again before every reconnect, so an expired token is never reused.
    auth: (cb) => {
      options.token().then(
        (token) => cb({ token }),
        (error: unknown) => {
          handlers.onError?.(error as Error);
          cb({});
        },
      );
    },
  });
  socket.on('connect', () => {
    if (retry) clearTimeout(retry.timer);
    retry = null;
    handlers.onConnect?.();
  });
  socket.on('connect_error', (error) => {
    handlers.onError?.(error);
    // A refusal by the server's middleware is not retried by socket.io itself.
    if (closed || socket.active) return;
    const delay = Math.min(RETRY_MAX_MS, retry ? retry.delay * 2 : RETRY_MIN_MS);
    retry = { delay, timer: setTimeout(() => !closed && socket.connect(), delay) };
  });
  // NOTE: no `token.delta`: an admin's socket receives every token of the tenant, which no list needs.
  if (handlers.onStatus) socket.on('status.changed', handlers.onStatus);
  if (handlers.onStep) socket.on('step.completed', handlers.onStep);
  if (handlers.onLog) socket.on('log.appended', handlers.onLog);
  socket.on('realtime.state', (state: { notifier?: 'up' | 'reconnecting' }) => state?.notifier && handlers.onDelivery?.(state.notifier));
  socket.on('resync', () => handlers.onConnect?.());
  socket.on('conversation.updated', (view: Record<string, unknown>) => handlers.onWorkUpdated?.('conversation', view));
  socket.on('pipeline.updated', (view: Record<string, unknown>) => handlers.onWorkUpdated?.('pipeline', view));
  return {
    close: () => {
      closed = true;
      if (retry) clearTimeout(retry.timer);
      socket.disconnect();
    },
  };
}
