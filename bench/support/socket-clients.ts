import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { deferred, within, type Deferred } from './deferred.js';
import { calibrate, wallNow } from './wall-clock.js';

/**
 * Socket.IO clients in a child process of their own, so that what they cost (decoding, callbacks)
 * does not run on the event loop of the API node under measurement, as with real clients. The
 * child records every event it receives with its arrival time on the wall clock (sub-ms,
 * calibrated per `reset`), and hands the records over on `collect`. The same child can publish
 * synthetic event batches on the library's cross-process channel (`flood`), standing in for
 * workers that produce events faster than real ones can.
 *
 * Parent side: `SocketClients`. Child side: this module run with BENCH_SOCKET_CLIENTS=1.
 */

export interface ConnectRequest {
  /** Name of the group of sockets (records are per group). */
  group: string;
  /** e.g. http://127.0.0.1:1234/agents */
  url: string;
  /** Socket i authenticates with tokens[i % tokens.length]; none = no auth. */
  tokens: string[];
  count: number;
  /** Handshakes in flight at once. */
  parallel?: number;
}

/** What a group received, one entry per event and socket, in arrival order. */
export interface Received {
  socket: number[];
  event: string[];
  seq: number[];
  executionId: string[];
  /** Wall-clock ms (sub-ms) at the listener. */
  at: number[];
  status: (string | null)[];
}

export interface FloodRequest {
  transport: 'redis' | 'postgres';
  redisUrl: string;
  databaseUrl: string;
  /** The bridge's channel: `${queuePrefix}_events`. */
  channel: string;
  tenantId: string;
  /** One fake execution per user; message k goes to users[k % users.length]. */
  users: string[];
  durationMs: number;
  /** Publishes in flight at once. */
  inFlight: number;
  /**
   * Steps per message, each for the next user in turn. The bridge puts everything committed in
   * one tick into one message (up to 7,000 bytes), so under load its messages carry many steps.
   */
  stepsPerMessage: number;
  /** Stop after this many messages (Redis drops a subscriber whose unread messages pass 32 MB: a burst must stay below). */
  maxMessages: number;
}

export interface FloodResult {
  messages: number;
  events: number;
  /** Wall clock of the first publish and of the last publish's answer. */
  startedAt: number;
  endedAt: number;
}

type Command =
  | ({ op: 'connect' } & ConnectRequest)
  | { op: 'subscribe'; group: string; socket: number; executionId: string }
  | { op: 'waitStatus'; group: string; executionIds: string[]; statuses: string[]; timeoutMs: number }
  | { op: 'collect'; group: string; events: string[] | null; clear: boolean }
  | { op: 'count'; group: string }
  | { op: 'reset' }
  | { op: 'disconnect'; group: string }
  | ({ op: 'flood' } & FloodRequest)
  | { op: 'exit' };

type Envelope = { id: number } & Command;
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Parent side: one child process of socket clients. */
export class SocketClients {
  private nextId = 1;
  private readonly pending = new Map<number, Deferred<unknown>>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const d = this.pending.get(reply.id);
      if (!d) return;
      this.pending.delete(reply.id);
      if (reply.ok) d.resolve(reply.value);
      else d.reject(new Error(`socket clients: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const d of this.pending.values()) d.reject(new Error(`socket clients process exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  /** Starts the child; its output goes to stderr (never to the results on stdout). */
  static async start(): Promise<SocketClients> {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, BENCH_SOCKET_CLIENTS: '1' },
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout!.on('data', (c: Buffer) => process.stderr.write(`[socket clients] ${c.toString()}`));
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[socket clients] ${c.toString()}`));
    const clients = new SocketClients(child);
    await clients.call({ op: 'reset' }, 30_000);
    return clients;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private call<T>(command: Command, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error('socket clients process has exited'));
    const id = this.nextId++;
    const d = deferred<unknown>();
    this.pending.set(id, d);
    this.child.send({ id, ...command } satisfies Envelope);
    return within(d.promise as Promise<T>, timeoutMs, `socket clients: ${command.op}`);
  }

  /** Connects `count` sockets; resolves with the wall-clock ms it took. */
  connect(request: ConnectRequest): Promise<number> {
    return this.call({ op: 'connect', ...request });
  }

  subscribe(group: string, socket: number, executionId: string): Promise<{ ok: boolean; error?: string }> {
    return this.call({ op: 'subscribe', group, socket, executionId });
  }

  /** Resolves once, for every id, a `status.changed` to one of `statuses` has arrived (on any socket of the group). */
  waitStatus(group: string, executionIds: string[], statuses: string[], timeoutMs: number): Promise<void> {
    return this.call({ op: 'waitStatus', group, executionIds, statuses, timeoutMs }, timeoutMs + 5_000);
  }

  collect(group: string, events: string[] | null = null, clear = true): Promise<Received> {
    return this.call({ op: 'collect', group, events, clear });
  }

  /** Events received by the group so far. */
  count(group: string): Promise<number> {
    return this.call({ op: 'count', group });
  }

  /** Re-calibrates the child's wall clock (do it with the parent's, right before measuring). */
  reset(): Promise<void> {
    return this.call({ op: 'reset' });
  }

  disconnect(group: string): Promise<void> {
    return this.call({ op: 'disconnect', group });
  }

  flood(request: FloodRequest): Promise<FloodResult> {
    return this.call({ op: 'flood', ...request }, request.durationMs + 60_000);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = once(this.child, 'exit');
    try {
      await this.call({ op: 'exit' }, 10_000);
    } catch {
      this.child.kill('SIGKILL');
    }
    await within(gone, 10_000, 'the socket clients process to exit').catch(() => this.child.kill('SIGKILL'));
  }
}

// ───────────────────────────── child side ─────────────────────────────

interface ChildSocket {
  connected: boolean;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  close(): void;
}

interface Group {
  sockets: ChildSocket[];
  received: Received;
  /** Per execution, the statuses seen so far. */
  statuses: Map<string, Set<string>>;
  waiters: Set<{ ids: string[]; statuses: string[]; done: Deferred<void> }>;
}

async function runChild(): Promise<void> {
  const { io } = await import('socket.io-client');
  const groups = new Map<string, Group>();
  const emptyReceived = (): Received => ({ socket: [], event: [], seq: [], executionId: [], at: [], status: [] });
  const group = (name: string): Group => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { sockets: [], received: emptyReceived(), statuses: new Map(), waiters: new Set() }));
    return g;
  };
  const satisfied = (g: Group, ids: string[], statuses: string[]) => ids.every((id) => statuses.some((s) => g.statuses.get(id)?.has(s)));

  const connectOne = (g: Group, index: number, url: string, token: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      const socket = io(url, {
        auth: token ? { token } : {},
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: 30_000,
      });
      socket.onAny((event: string, payload: { seq?: number; execution_id?: string; status?: string } | undefined) => {
        const at = wallNow();
        const r = g.received;
        r.socket.push(index);
        r.event.push(event);
        r.seq.push(typeof payload?.seq === 'number' ? payload.seq : -1);
        r.executionId.push(payload?.execution_id ?? '');
        r.at.push(at);
        r.status.push(typeof payload?.status === 'string' ? payload.status : null);
        if (event === 'status.changed' && payload?.execution_id && payload.status) {
          let seen = g.statuses.get(payload.execution_id);
          if (!seen) g.statuses.set(payload.execution_id, (seen = new Set()));
          seen.add(payload.status);
          for (const w of g.waiters) {
            if (satisfied(g, w.ids, w.statuses)) {
              g.waiters.delete(w);
              w.done.resolve();
            }
          }
        }
      });
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error: Error) => reject(new Error(`socket ${index}: ${error.message}`)));
      g.sockets[index] = socket;
    });

  const handlers: { [K in Command['op']]: (c: Extract<Command, { op: K }>) => Promise<unknown> } = {
    async connect(c) {
      const g = group(c.group);
      const t0 = wallNow();
      const base = g.sockets.length;
      let next = 0;
      const lane = async () => {
        while (next < c.count) {
          const i = next++;
          await connectOne(g, base + i, c.url, c.tokens.length > 0 ? c.tokens[i % c.tokens.length] : undefined);
        }
      };
      await Promise.all(Array.from({ length: Math.min(c.parallel ?? 50, c.count) }, lane));
      return wallNow() - t0;
    },
    async subscribe(c) {
      return group(c.group).sockets[c.socket].emitWithAck('subscribe', { executionId: c.executionId });
    },
    async waitStatus(c) {
      const g = group(c.group);
      if (satisfied(g, c.executionIds, c.statuses)) return;
      const w = { ids: c.executionIds, statuses: c.statuses, done: deferred<void>() };
      g.waiters.add(w);
      try {
        await within(w.done.promise, c.timeoutMs, `status ${c.statuses.join('|')} of ${c.executionIds.length} execution(s)`);
      } finally {
        g.waiters.delete(w);
      }
    },
    async collect(c) {
      const g = group(c.group);
      const r = g.received;
      let out: Received = r;
      if (c.events) {
        const wanted = new Set(c.events);
        out = emptyReceived();
        for (let i = 0; i < r.event.length; i++) {
          if (!wanted.has(r.event[i])) continue;
          out.socket.push(r.socket[i]);
          out.event.push(r.event[i]);
          out.seq.push(r.seq[i]);
          out.executionId.push(r.executionId[i]);
          out.at.push(r.at[i]);
          out.status.push(r.status[i]);
        }
      }
      if (c.clear) g.received = emptyReceived();
      return out;
    },
    async count(c) {
      return group(c.group).received.event.length;
    },
    async reset() {
      calibrate();
    },
    async disconnect(c) {
      const g = groups.get(c.group);
      if (!g) return;
      for (const s of g.sockets) s?.close();
      for (const w of g.waiters) w.done.reject(new Error('disconnected'));
      groups.delete(c.group);
    },
    flood: (c) => flood(c),
    async exit() {
      for (const name of [...groups.keys()]) await handlers.disconnect({ op: 'disconnect', group: name });
      setImmediate(() => process.exit(0));
    },
  };

  process.on('message', (message: Envelope) => {
    const { id, ...command } = message;
    const handler = handlers[command.op] as (c: Command) => Promise<unknown>;
    handler(command as Command).then(
      (value) => process.send!({ id, ok: true, value: value ?? null } satisfies Reply),
      (error: Error) => process.send!({ id, ok: false, error: error.message } satisfies Reply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Synthetic events carry seq from here on, so they are told apart from real ones. */
export const FLOOD_SEQ_BASE = 1_000_000_000;

/** One step's events as the event bridge carries them: the `log.appended` of its `step_completed` log, then the `step.completed`, both with the log id as `seq`. */
export function stepEvents(tenantId: string, userId: string, executionId: string, seq: number, stepNumber: number): object[] {
  const base = { tenant_id: tenantId, user_id: userId, execution_id: executionId, seq };
  const now = new Date().toISOString();
  return [
    {
      event: 'log.appended',
      ...base,
      payload: {
        execution_id: executionId,
        seq,
        id: seq,
        level: 'info',
        event_type: 'step_completed',
        message: `Step ${stepNumber} completed`,
        context: { step_type: 'custom', tool_names: [], duration_ms: 0, input_tokens: 0, output_tokens: 0 },
        created_at: now,
      },
    },
    {
      event: 'step.completed',
      ...base,
      payload: {
        execution_id: executionId,
        seq,
        step_number: stepNumber,
        step_type: 'custom',
        tool_names: [],
        tokens_used: 0,
        timestamp: now,
      },
    },
  ];
}

/** One message of the event bridge holding one step's events (a JSON array). */
export const stepBatch = (tenantId: string, userId: string, executionId: string, seq: number, stepNumber: number): string =>
  JSON.stringify(stepEvents(tenantId, userId, executionId, seq, stepNumber));

/**
 * Publishes, for `durationMs`, messages shaped like the event bridge's: a JSON array of
 * `stepsPerMessage` steps' events, each step for the next user in turn. As many publishes in
 * flight as `inFlight`.
 */
async function flood(c: FloodRequest): Promise<FloodResult> {
  let publish: (message: string) => Promise<unknown>;
  let close: () => Promise<void>;
  if (c.transport === 'redis') {
    const { Redis } = await import('ioredis');
    const redis = new Redis(c.redisUrl, { maxRetriesPerRequest: 3 });
    publish = (m) => redis.publish(c.channel, m);
    close = async () => void (await redis.quit());
  } else {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: c.databaseUrl, max: 4, application_name: 'nestjs-agents-bench-flood' });
    publish = (m) => pool.query('SELECT pg_notify($1, $2)', [c.channel, m]);
    close = () => pool.end();
  }
  const executions = c.users.map((_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  let k = 0;
  const message = () => {
    const events: object[] = [];
    for (let j = 0; j < c.stepsPerMessage; j++, k++) {
      const u = k % c.users.length;
      events.push(...stepEvents(c.tenantId, c.users[u], executions[u], FLOOD_SEQ_BASE + k, Math.floor(k / c.users.length) + 1));
    }
    return JSON.stringify(events);
  };
  try {
    await publish('[]'); // connect first: the clock starts with the first real message
    const startedAt = wallNow();
    const end = performance.now() + c.durationMs;
    let messages = 0;
    let started = 0;
    const lane = async () => {
      while (performance.now() < end && started < c.maxMessages) {
        started++;
        await publish(message());
        messages++;
      }
    };
    await Promise.all(Array.from({ length: c.inFlight }, lane));
    return { messages, events: messages * 2 * c.stepsPerMessage, startedAt, endedAt: wallNow() };
  } finally {
    await close();
  }
}

if (process.env.BENCH_SOCKET_CLIENTS === '1') {
  void runChild().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
