import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketServer } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedRealtimeOptions } from './realtime.options.js';
import type { ResolvedTenancyOptions } from '../tenancy/tenancy.options.js';
import { AgentError } from '../errors/agent.errors.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { isAdmin, type Principal } from '../tenancy/principal.js';
import { RealtimeTokenService } from '../tenancy/realtime-token.service.js';
import { scopeFor } from '../tenancy/scope.js';
import { ExecutionEventBridge } from './execution-event-bridge.js';
import { RealtimeEventName, RealtimeNotice, type RealtimeEvent } from './realtime-events.js';
import { SubscribeThrottle } from './subscribe-throttle.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const rooms = {
  user: (tenantId: string, userId: string) => `user:${tenantId}:${userId}`,
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  execution: (id: string) => `execution:${id}`,
};

interface SocketState {
  principal: Principal;
  throttle: SubscribeThrottle;
}

type Ack = { ok: true } | { ok: false; error: string };

/**
 * Socket.IO namespace `realtime.namespace` (default `/agents`). Authenticates at the handshake (a
 * realtime token, or the host app's own auth through `resolvePrincipal`), joins the user's room
 * (and the tenant's for admins), and delivers every event committed by any process through the
 * event bridge. NOTE: declared a gateway at boot (`mountGateway`), with the namespace and CORS of
 * the options, unless the `realtime` route group is left out.
 */
@Injectable()
export class AgentsGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(AgentsGateway.name);
  @WebSocketServer() private readonly server: Namespace;

  constructor(
    private readonly bridge: ExecutionEventBridge,
    private readonly tokens: RealtimeTokenService,
    private readonly reader: ExecutionReader,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedRealtimeOptions & ResolvedTenancyOptions,
  ) {}

  afterInit(server: Namespace): void {
    // Refuse before the connection is established: no principal, no socket.
    server.use((socket, next) => {
      this.authenticate(socket)
        .then((principal) => {
          if (!principal) return next(new Error('unauthorized'));
          (socket.data as SocketState) = { principal, throttle: new SubscribeThrottle(this.options.realtime.subscribeLimit) };
          next();
        })
        .catch(() => next(new Error('unauthorized')));
    });
    this.bridge.listen((events) => this.deliver(events));
    this.bridge.onStateChange((state) => {
      server.emit(RealtimeNotice.State, { notifier: state });
      if (state === 'up') server.emit(RealtimeNotice.Resync, {});
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const { principal } = socket.data as SocketState;
    await socket.join(rooms.user(principal.tenantId, principal.userId));
    if (isAdmin(principal)) await socket.join(rooms.tenant(principal.tenantId));
    if (this.bridge.state() !== 'up') socket.emit(RealtimeNotice.State, { notifier: this.bridge.state() });
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<Ack> {
    const { principal, throttle } = socket.data as SocketState;
    if (!throttle.take()) return { ok: false, error: 'rate_limited' };
    const executionId = (body as { executionId?: unknown } | null)?.executionId;
    if (typeof executionId !== 'string' || !UUID.test(executionId)) return { ok: false, error: 'executionId must be a UUID' };
    try {
      await this.reader.get(scopeFor(principal, true), executionId);
    } catch (error) {
      if (error instanceof AgentError) return { ok: false, error: 'not_found' };
      throw error;
    }
    await socket.join(rooms.execution(executionId));
    return { ok: true };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<Ack> {
    const executionId = (body as { executionId?: unknown } | null)?.executionId;
    if (typeof executionId !== 'string') return { ok: false, error: 'executionId is required' };
    await socket.leave(rooms.execution(executionId));
    return { ok: true };
  }

  private async authenticate(socket: Socket): Promise<Principal | null> {
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; authorization?: unknown };
    const token = auth.token ?? socket.handshake.query.token;
    if (token) return this.tokens.verify(token);
    // The host app's own auth, on the handshake's headers (plus an `authorization` given in `auth`).
    const headers = { ...socket.handshake.headers };
    if (typeof auth.authorization === 'string') headers.authorization = auth.authorization;
    const principal = await this.options.resolvePrincipal({ headers, socket });
    return principal && typeof principal.tenantId === 'string' && typeof principal.userId === 'string' ? principal : null;
  }

  /**
   * Local delivery only: every API node receives every event from the bridge. Token deltas go to
   * the execution's subscribers only: the owner's and the admins' other sockets (lists, feeds)
   * would receive every token of every run.
   */
  private deliver(events: RealtimeEvent[]): void {
    for (const e of events) {
      if (e.event === RealtimeEventName.TokenDelta) {
        if (e.execution_id) this.server.to(rooms.execution(e.execution_id)).emit(e.event, e.payload);
        continue;
      }
      const owners = [rooms.user(e.tenant_id, e.user_id), rooms.tenant(e.tenant_id)];
      this.server.to(e.execution_id ? [rooms.execution(e.execution_id), ...owners] : owners).emit(e.event, e.payload);
    }
  }
}
