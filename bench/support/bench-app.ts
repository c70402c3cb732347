import { Injectable, Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Agent,
  AgentManager,
  AgentModule,
  ExecutionEventName,
  ExecutionEvents,
  TERMINAL_STATUSES,
  step,
  type AgentModuleOptions,
  type AgentState,
  type AgentStepper,
  type JsonValue,
  type Principal,
  type RedisOptions,
  type StepContext,
  type StepResult,
  type Transport,
} from 'nestjs-agents';
import { deferred, within, type Deferred } from './deferred.js';
import { redisUrl } from './env.js';

export const BENCH_AGENT = 'bench-zero';
/** Large enough that no benchmark run crosses a chunk boundary: one job per execution. */
export const BENCH_CHUNK_SIZE = 10_000;
export const WAIT_MS = 180_000;

export const benchPrincipal: Principal = { tenantId: 'bench', userId: 'bench', tier: 'pro', roles: [] };

/** Input of `bench-zero`. */
export interface BenchInput {
  steps: number;
  /** Step numbers that wait, before doing anything, until the bench releases them. */
  gates?: number[];
}

/**
 * Gates the bench controls: the agent arrives at (execution, step) and waits; the bench awaits
 * the arrival, measures with nothing in flight, then releases.
 */
@Injectable()
export class BenchGates {
  private readonly gates = new Map<string, { arrived: Deferred<void>; released: Deferred<void> }>();

  private gate(executionId: string, stepNumber: number) {
    const key = `${executionId}#${stepNumber}`;
    let gate = this.gates.get(key);
    if (!gate) {
      gate = { arrived: deferred<void>(), released: deferred<void>() };
      this.gates.set(key, gate);
    }
    return gate;
  }

  /** Agent side. */
  arrive(executionId: string, stepNumber: number, signal: AbortSignal): Promise<void> {
    const gate = this.gate(executionId, stepNumber);
    gate.arrived.resolve();
    const onAbort = () => gate.released.reject(new Error('aborted at a bench gate'));
    signal.addEventListener('abort', onAbort, { once: true });
    return gate.released.promise.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Bench side: resolves once the step is waiting at the gate. */
  arrived(executionId: string, stepNumber: number): Promise<void> {
    return within(this.gate(executionId, stepNumber).arrived.promise, WAIT_MS, `step ${stepNumber} of ${executionId} at its gate`);
  }

  release(executionId: string, stepNumber: number): void {
    const key = `${executionId}#${stepNumber}`;
    this.gate(executionId, stepNumber).released.resolve();
    this.gates.delete(key);
  }

  /** Before shutdown: a step held at a gate would keep the workers' drain waiting forever. */
  releaseAll(): void {
    for (const gate of this.gates.values()) gate.released.resolve();
    this.gates.clear();
  }
}

/** Zero-cost step shaped like the demo `steps` agent: one message and new data per step, done at `steps`. */
@Agent({
  name: BENCH_AGENT,
  description: 'Benchmark agent: no work per step',
  chunkSize: BENCH_CHUNK_SIZE,
  limits: { maxSteps: 1_000_000 },
})
export class BenchZeroAgent implements AgentStepper {
  constructor(private readonly gates: BenchGates) {}

  async step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    const input = state.input as unknown as BenchInput;
    const n = ctx.stepNumber;
    if (input.gates?.includes(n)) await this.gates.arrive(ctx.executionId, n, ctx.signal);
    const messages = [{ role: 'assistant' as const, content: `step ${n}` }];
    if (n >= input.steps) return step.done({ steps_done: n }, { messages, data: { i: n } });
    return step.continue({ messages, data: { i: n } });
  }
}

@Module({ providers: [BenchGates, BenchZeroAgent], exports: [BenchGates] })
class BenchAgentsModule {}

@Module({})
class BenchRootModule {
  static register(options: AgentModuleOptions): DynamicModule {
    return { module: BenchRootModule, imports: [BenchAgentsModule, AgentModule.forRoot(options)] };
  }
}

export interface Ended {
  at: number;
  status: string;
  stepCount: number;
}

/**
 * Records, from the library's own events, when each execution committed its first step and when
 * it reached a terminal status (performance.now() inside the synchronous listener, i.e. right
 * after the commit). Subscribed before any start, so an event that beats `start()` is not lost.
 */
export class ExecutionWatcher {
  private readonly firstSteps = new Map<string, Deferred<number>>();
  private readonly ends = new Map<string, Deferred<Ended>>();
  private readonly unsubscribe: () => void;

  constructor(events: ExecutionEvents) {
    this.unsubscribe = events.subscribe((event) => {
      if (event.name === ExecutionEventName.StepCompleted) {
        slot(this.firstSteps, event.executionId).resolve(performance.now());
      } else if (event.name === ExecutionEventName.StatusChanged && TERMINAL_STATUSES.includes(event.status)) {
        const at = performance.now();
        slot(this.firstSteps, event.executionId).resolve(at); // a run that ends without a step must not hang a waiter
        slot(this.ends, event.executionId).resolve({ at, status: event.status, stepCount: event.stepCount });
      }
    });
  }

  firstStep(executionId: string): Promise<number> {
    return within(slot(this.firstSteps, executionId).promise, WAIT_MS, `the first step of ${executionId}`);
  }

  /** Resolves at completion; rejects when the execution ended any other way (a bench must not measure a failure). */
  async completed(executionId: string, expectedSteps: number): Promise<Ended> {
    const ended = await within(slot(this.ends, executionId).promise, WAIT_MS, `the end of ${executionId}`);
    if (ended.status !== 'completed' || ended.stepCount !== expectedSteps) {
      throw new Error(
        `Execution ${executionId} ended ${ended.status} after ${ended.stepCount} steps (expected completed after ${expectedSteps})`,
      );
    }
    return ended;
  }

  forget(executionId: string): void {
    this.firstSteps.delete(executionId);
    this.ends.delete(executionId);
  }

  close(): void {
    this.unsubscribe();
  }
}

function slot<T>(map: Map<string, Deferred<T>>, key: string): Deferred<T> {
  let d = map.get(key);
  if (!d) {
    d = deferred<T>();
    map.set(key, d);
  }
  return d;
}

export interface BenchApp {
  context: INestApplicationContext;
  manager: AgentManager;
  gates: BenchGates;
  watcher: ExecutionWatcher;
  /** Starts `bench-zero` as the bench principal. */
  start(input: BenchInput): Promise<string>;
  /** Workers on the bench queue and connections in the library's pool, as booted. */
  concurrency: number;
  poolSize: number;
  close(): Promise<void>;
}

export interface BenchAppOptions {
  transport: Transport;
  /** With `redis`: where Redis is (default `BENCH_REDIS_URL`); a cluster's nodes on `redis-cluster`. */
  redis?: RedisOptions;
  databaseUrl: string;
  queuePrefix: string;
  /** Jobs in parallel on the bench agent's queue (`agents-default`). */
  concurrency: number;
  poolSize: number;
  /** Run workers in this process (default true); false = an API-only node. */
  workers?: boolean;
  /** `workers.eagerStart` (default false): a start runs at once in a free worker slot here. */
  eagerStart?: boolean;
}

/** The library as a host app would boot it, without HTTP: `AgentModule.forRoot` + the bench agent. */
export async function bootBenchApp(o: BenchAppOptions): Promise<BenchApp> {
  const context = await NestFactory.createApplicationContext(
    BenchRootModule.register({
      database: { url: o.databaseUrl, poolSize: o.poolSize },
      transport: o.transport,
      redis: o.transport === 'redis' ? (o.redis ?? { url: redisUrl() }) : undefined,
      queuePrefix: o.queuePrefix,
      resolvePrincipal: () => benchPrincipal,
      workers: { enabled: o.workers ?? true, concurrency: { 'agents-default': o.concurrency }, eagerStart: o.eagerStart ?? false },
      // The bench measures orchestration, not the tier limits.
      tiers: { pro: { maxConcurrent: 1_000_000, perHour: 1_000_000 } },
    }),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  const manager = context.get(AgentManager);
  const watcher = new ExecutionWatcher(context.get(ExecutionEvents));
  const gates = context.get(BenchGates);
  let closed = false;
  return {
    context,
    manager,
    gates,
    watcher,
    start: async (input) => (await manager.start(benchPrincipal, BENCH_AGENT, input as unknown as JsonValue)).id,
    concurrency: o.concurrency,
    poolSize: o.poolSize,
    close: async () => {
      if (closed) return;
      closed = true;
      gates.releaseAll();
      watcher.close();
      await context.close();
    },
  };
}
