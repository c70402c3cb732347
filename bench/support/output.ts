import type { BenchTransport } from './servers.js';

/** One result line: every line names its benchmark, transport and case; the rest are figures. */
export interface BenchLine {
  bench: string;
  /** 'none' for a benchmark that uses neither backend. */
  transport: BenchTransport | 'none';
  case: string;
  [figure: string]: unknown;
}

// Captured before run.ts reroutes process.stdout to stderr: only result lines reach stdout.
const writeStdout = process.stdout.write.bind(process.stdout);

/** Everything else that prints (Nest, BullMQ, a stray console.log) goes to stderr from now on. */
export function reserveStdoutForResults(): void {
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
}

export function emit(line: BenchLine): void {
  for (const key of ['bench', 'transport', 'case'] as const) {
    if (typeof line[key] !== 'string' || line[key].length === 0) throw new Error(`Result line without '${key}': ${JSON.stringify(line)}`);
  }
  writeStdout(`${JSON.stringify(line)}\n`);
}

const started = performance.now();

/** Progress for the human watching: stderr, with the seconds since the process started. */
export function progress(message: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}
