import type { GatewayCors } from '../http/http.options.js';
import { isPositiveInt } from '../errors/option-checks.js';
import {
  resolveRealtimeTokenOptions,
  type RealtimeTokenOptions,
  type ResolvedRealtimeTokenOptions,
} from '../tenancy/realtime-token.options.js';

export interface RealtimeOptions extends RealtimeTokenOptions {
  /** Subscribes per socket per 10 s before they are refused (default 30). */
  subscribeLimit?: number;
  /** The gateway's Socket.IO namespace (default `/agents`). */
  namespace?: string;
  /** Socket.IO's CORS settings for it (default `{ origin: true }`: any origin; sockets authenticate at the handshake). */
  cors?: GatewayCors;
}

export interface HostEventOptions {
  /**
   * Emit the `agent.*` events (`AgentEvent`) on the app's `EventEmitter2` when it imports
   * `EventEmitterModule` (default true). A process where this is on receives every event of every
   * execution, whichever process ran it; switch it off where no listener should run (e.g. worker
   * processes). At most once per process: see the README.
   */
  enabled?: boolean;
}

export interface ResolvedRealtimeOptions {
  realtime: ResolvedRealtimeTokenOptions['realtime'] & { subscribeLimit: number; namespace: string; cors: GatewayCors };
  hostEvents: Required<HostEventOptions>;
}

export function resolveRealtimeOptions(input: RealtimeOptions | undefined, problems: string[]): Pick<ResolvedRealtimeOptions, 'realtime'> {
  const tokens = resolveRealtimeTokenOptions(input, problems);
  const subscribeLimit = input?.subscribeLimit ?? 30;
  if (!isPositiveInt(subscribeLimit)) problems.push('realtime.subscribeLimit must be a positive integer');
  const namespace = input?.namespace ?? '/agents';
  if (typeof namespace !== 'string' || !/^\/[A-Za-z0-9_/-]*$/.test(namespace)) {
    problems.push("realtime.namespace must be a Socket.IO namespace such as '/agents'");
  }
  return { realtime: { ...tokens, subscribeLimit, namespace, cors: input?.cors ?? { origin: true } } };
}

export function resolveHostEventOptions(
  input: HostEventOptions | undefined,
  problems: string[],
): Pick<ResolvedRealtimeOptions, 'hostEvents'> {
  const hostEvents = { enabled: input?.enabled ?? true };
  if (typeof hostEvents.enabled !== 'boolean') problems.push('hostEvents.enabled must be a boolean');
  return { hostEvents };
}
