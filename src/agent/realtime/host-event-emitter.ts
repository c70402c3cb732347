import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedRealtimeOptions } from './realtime.options.js';
import { agentEventsOf } from './agent-event-mapping.js';
import { ExecutionEventBridge } from './execution-event-bridge.js';

/**
 * Hands the host app's `EventEmitter2` (its `EventEmitterModule`) the `agent.*` events of every
 * execution, whichever process committed them: they come off the cross-process bridge, so a node
 * that ran the step hears it the same way as one that did not, and each enabled node hears each
 * event once. Best effort, like the bridge (DESIGN rule 2): what must happen goes through the
 * settlement outbox, never through a listener.
 */
@Injectable()
export class HostEventEmitter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HostEventEmitter.name);
  private stop: (() => void) | null = null;

  constructor(
    private readonly bridge: ExecutionEventBridge,
    private readonly moduleRef: ModuleRef,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedRealtimeOptions,
  ) {}

  /** Resolves once this node's subscription is live: the app's `init()` returns ready to hear. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.hostEvents.enabled) return;
    const emitter = this.hostEmitter();
    if (!emitter) return;
    this.stop = this.bridge.listen((events) => {
      for (const realtime of events) {
        for (const event of agentEventsOf(realtime)) {
          try {
            emitter.emit(event.event, event);
          } catch (error) {
            this.logger.warn(`A listener of ${event.event} failed: ${(error as Error).message}`);
          }
        }
      }
    });
    await this.bridge.ready();
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** The host's `EventEmitter2` when it imports `EventEmitterModule.forRoot()`; without it there is no one to tell. */
  private hostEmitter(): EventEmitter2 | null {
    try {
      return this.moduleRef.get(EventEmitter2, { strict: false });
    } catch {
      return null;
    }
  }
}
