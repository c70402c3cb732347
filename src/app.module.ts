import { createHash } from 'node:crypto';
import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { AgentModule, QueueName } from 'nestjs-agents';
import { createCodeAssistant, summariserSpec } from './demo/code-assistant.agent.js';
import { demoPrincipalResolver } from './demo/demo-auth.js';
import { DemoModule } from './demo/demo.module.js';
import type { HostConfig } from './host/host-config.js';

export const HOST_CONFIG = Symbol('HOST_CONFIG');

/** Resolved configuration, as a host app would expose its ConfigService. */
@Module({})
class HostConfigModule {
  static with(config: HostConfig & { databaseUrl: string }): DynamicModule {
    return { module: HostConfigModule, providers: [{ provide: HOST_CONFIG, useValue: config }], exports: [HOST_CONFIG] };
  }
}

/** The example host app: the library used exactly as an outside app would use it. */
@Module({})
export class AppModule {
  /** `agents`: more `@Agent()` providers beside the demo's (the README tutorial's own agent). */
  static register(config: HostConfig & { databaseUrl: string }, agents: Provider[] = []): DynamicModule {
    return {
      module: AppModule,
      providers: agents,
      imports: [
        DemoModule,
        AgentModule.forRootAsync({
          imports: [HostConfigModule.with(config)],
          inject: [HOST_CONFIG],
          useFactory: (c: HostConfig & { databaseUrl: string }) => ({
            database: { url: c.databaseUrl, runMigrations: c.migrations },
            transport: c.transport,
            redis: c.redisClusterNodes ? { cluster: { nodes: c.redisClusterNodes } } : c.redisUrl ? { url: c.redisUrl } : undefined,
            queuePrefix: c.queuePrefix,
            workers: {
              enabled: c.workers,
              concurrency: c.workerConcurrency
                ? Object.fromEntries(Object.values(QueueName).map((q) => [q, c.workerConcurrency]))
                : undefined,
              eagerStart: c.eagerStart,
            },
            lease: { timeoutMs: c.leaseTimeoutMs },
            maintenance: { enabled: c.maintenance },
            // Derived, so every API node agrees on it and it is long enough whatever JWT_SECRET is.
            realtime: { tokenSecret: createHash('sha256').update(`realtime:${c.jwtSecret}`).digest('hex') },
            webhooks: { secrets: c.webhookSecrets },
            tiers: c.tiers,
            dashboard: c.dashboard,
            workspaces: { baseDir: c.workspacesDir },
            agents: [createCodeAssistant(c.llm)],
            subagents: { specs: [summariserSpec(c.llm)] },
            resolvePrincipal: demoPrincipalResolver(c.jwtSecret),
          }),
        }),
      ],
    };
  }
}
