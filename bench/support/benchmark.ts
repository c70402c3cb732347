import type { Transport } from 'nestjs-agents';
import type { BenchLine } from './output.js';
import type { BenchTransport } from './servers.js';

export interface BenchContext<T extends BenchTransport = Transport> {
  transports: T[];
  /** Case names to run; empty = all of the benchmark's cases. */
  cases: string[];
  emit(line: BenchLine): void;
  progress(message: string): void;
}

export interface Benchmark<T extends BenchTransport = Transport> {
  name: string;
  description: string;
  cases: readonly string[];
  /** The transports it runs on, when more than `redis` and `postgres` (the default set either way). */
  transports?: readonly T[];
  run(ctx: BenchContext<T>): Promise<void>;
}
