import type { Transport } from 'nestjs-agents';
import type { BenchLine } from './output.js';

export interface BenchContext {
  transports: Transport[];
  /** Case names to run; empty = all of the benchmark's cases. */
  cases: string[];
  emit(line: BenchLine): void;
  progress(message: string): void;
}

export interface Benchmark {
  name: string;
  description: string;
  cases: readonly string[];
  run(ctx: BenchContext): Promise<void>;
}
