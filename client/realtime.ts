import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { isPermanent, SubscribeRefusedError } from './errors.js';
import { SOCKET_EVENTS, type ClientEvent } from './events.js';
import { ExecutionSubscription } from './subscription.js';
import type { Log, Page, SubscriptionHandlers } from './types.js';

export type SocketOverrides = Partial<ManagerOptions & SocketOptions>;

export interface RealtimeOptions {
  /** The API's base URL; the socket goes to its namespace `/agents`. */
  baseUrl: string;
  /** A fresh realtime token, asked for at every (re)connect: they are short-lived. */
  token: () => Promise<string>;
  socketOptions?: SocketOverrides;
}

const JOIN_TIMEOUT_MS = 10_000;
const REFUSED_RETRY_MIN_MS = 500;
const REFUSED_RETRY_MAX_MS = 30_000;

/**
 * The one socket a client shares between its subscriptions: opened by the first, closed after the
 * last (an idle socket would keep Node alive and receive every event of the user's executions).
 * Routes events by `execution_id` and tells subscriptions when the connection comes and goes.
 */
export class RealtimeConnection {
  private socket: Socket | null = null;
  private readonly subscriptions = new Map<string, Set<ExecutionSubscription>>();
  /** Why the last handshake had no token: reported instead of the server's bare "unauthorized". */
  private tokenError: unknown = null;
  private refusedRetry: { timer: ReturnType<typeof setTimeout>; delay: number } | null = null;

  constructor(private readonly options: RealtimeOptions) {}

  /** The socket, once a subscription opened it. */
  get current(): Socket | null {
    return this.socket;
  }

  subscribe(
    executionId: string,
    handlers: SubscriptionHandlers,
    logsAfter: (afterId: number) => Promise<Page<Log>>,
  ): ExecutionSubscription {
    const subscription = new ExecutionSubscription(executionId, handlers, {
      join: () => this.join(executionId),
      logsAfter,
      release: (s) => this.release(s),
    });
    let set = this.subscriptions.get(executionId);
    if (!set) this.subscriptions.set(executionId, (set = new Set()));
    set.add(subscription);
    const socket = this.open();
    if (socket.connected) subscription.connected();
    return subscription;
  }

  /** Ends every subscription and the socket. */
  close(): void {
    for (const set of [...this.subscriptions.values()]) for (const s of [...set]) s.close();
    this.stop();
  }

  private open(): Socket {
    if (this.socket) {
      if (!this.socket.active) this.socket.connect();
      return this.socket;
    }
    const { url, path } = socketTarget(this.options.baseUrl);
    const socket = io(url, {
      ...(path ? { path } : {}),
      ...this.options.socketOptions,
      // A function: socket.io asks it again before every reconnect, so an expired token is never reused.
      auth: (cb) => {
        this.options.token().then(
          (token) => cb({ token }),
          (error: unknown) => {
            this.tokenError = error;
            cb({});
          },
        );
      },
    });
    socket.on('connect', () => {
      this.tokenError = null;
      if (this.refusedRetry) clearTimeout(this.refusedRetry.timer);
      this.refusedRetry = null;
      this.each((s) => s.connected());
    });
    socket.on('disconnect', () => this.each((s) => s.disconnected()));
    // The server's notifier is down: what arrives live may have come after events the outage lost, so it is
    // held, as while disconnected, until the resync's catch-up has read the logs from before the outage.
    socket.on('realtime.state', (state: { notifier?: unknown }) => {
      if (state?.notifier !== 'up') this.each((s) => s.disconnected());
    });
    // The server's notifier is back after an outage: what it lost is read from the logs, as on a reconnect.
    socket.on('resync', () => this.each((s) => s.connected()));
    socket.on('connect_error', (error) => this.refused(socket, error));
    for (const [name, kind] of Object.entries(SOCKET_EVENTS)) {
      socket.on(name, (payload: { execution_id?: unknown }) => {
        const set = typeof payload?.execution_id === 'string' ? this.subscriptions.get(payload.execution_id) : undefined;
        if (set) for (const s of [...set]) s.live({ kind, event: payload } as ClientEvent);
      });
    }
    this.socket = socket;
    return socket;
  }

  /**
   * A failed handshake. Network trouble is retried by socket.io itself; a refusal by the server's
   * middleware is not (`socket.active` is false), so it is retried here — unless the token request
   * itself was refused for good (a bad bearer token), which ends the subscriptions.
   */
  private refused(socket: Socket, error: Error): void {
    const cause = this.tokenError ?? error;
    this.tokenError = null;
    if (isPermanent(cause)) {
      this.each((s) => s.fail(cause as Error));
      return;
    }
    this.each((s) => s.report(cause));
    if (socket.active || this.subscriptions.size === 0) return;
    const delay = Math.min(REFUSED_RETRY_MAX_MS, this.refusedRetry ? this.refusedRetry.delay * 2 : REFUSED_RETRY_MIN_MS);
    this.refusedRetry = {
      delay,
      timer: setTimeout(() => {
        if (this.socket === socket && !socket.active && this.subscriptions.size > 0) socket.connect();
      }, delay),
    };
  }

  private async join(executionId: string): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) throw new Error('Not connected');
    const ack = (await socket.timeout(JOIN_TIMEOUT_MS).emitWithAck('subscribe', { executionId })) as { ok: boolean; error?: string };
    if (!ack?.ok) throw new SubscribeRefusedError(ack?.error ?? 'refused');
  }

  private release(subscription: ExecutionSubscription): void {
    const set = this.subscriptions.get(subscription.executionId);
    if (!set?.delete(subscription)) return;
    if (set.size > 0) return;
    this.subscriptions.delete(subscription.executionId);
    // Only when connected: socket.io would otherwise buffer it for the next connection, which never joins this room.
    if (this.socket?.connected) this.socket.emit('unsubscribe', { executionId: subscription.executionId });
    if (this.subscriptions.size === 0) this.stop();
  }

  private stop(): void {
    if (this.refusedRetry) clearTimeout(this.refusedRetry.timer);
    this.refusedRetry = null;
    this.socket?.disconnect();
  }

  private each(fn: (s: ExecutionSubscription) => void): void {
    for (const set of [...this.subscriptions.values()]) for (const s of [...set]) fn(s);
  }
}

/**
 * socket.io reads a URL's path as the namespace, so an API behind a path prefix (`https://host/api-prefix`)
 * keeps the namespace `/agents` and moves the engine's path under the prefix instead.
 */
export function socketTarget(baseUrl: string): { url: string; path?: string } {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)(\/.*)?$/i.exec(baseUrl);
  const origin = match ? match[1]! : '';
  const prefix = (match ? (match[2] ?? '') : baseUrl).replace(/\/+$/, '');
  return { url: `${origin}/agents`, ...(prefix ? { path: `${prefix}/socket.io` } : {}) };
}
