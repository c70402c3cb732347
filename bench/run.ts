import 'reflect-metadata';
import type { Benchmark } from './support/benchmark.js';
import { emit, progress, reserveStdoutForResults } from './support/output.js';
import { unsupportedNode } from './support/node-runtime.js';
import type { BenchTransport } from './support/servers.js';

/**
 * `npm run bench -- <name> [--transport redis|postgres|redis-cluster[,…]] [--case a,b]`
 * Prints one JSON line per case on stdout; progress and everything else on stderr.
 */
const BENCHMARKS: Record<string, () => Promise<Benchmark<BenchTransport>>> = {
  'step-overhead': async () => (await import('./step-overhead.js')).stepOverhead,
  control: async () => (await import('./control.js')).control,
  awaken: async () => (await import('./awaken.js')).awaken,
  realtime: async () => (await import('./realtime.js')).realtime,
  sandbox: async () => (await import('./sandbox.js')).sandbox,
  throttler: async () => (await import('./throttler.js')).throttler,
  starts: async () => (await import('./starts.js')).starts,
  capacity: async () => (await import('./capacity.js')).capacity,
  'scale-out': async () => (await import('./scale-out.js')).scaleOut,
  durable: async () => (await import('./durable.js')).durable,
  'chat-stream': async () => (await import('./chat-stream.js')).chatStream,
  dashboard: async () => (await import('./dashboard.js')).dashboard,
};

/** Without `--transport`: these. `redis-cluster` runs when asked, on the benchmarks that name it. */
const DEFAULT_TRANSPORTS: readonly BenchTransport[] = ['redis', 'postgres'];
const TRANSPORTS: readonly BenchTransport[] = [...DEFAULT_TRANSPORTS, 'redis-cluster'];

interface Args {
  name: string | undefined;
  /** null: the default ones. */
  transports: BenchTransport[] | null;
  cases: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { name: undefined, transports: null, cases: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split('=', 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--transport') {
      const list = value().split(',').filter(Boolean);
      const unknown = list.filter((v) => !(TRANSPORTS as readonly string[]).includes(v));
      if (list.length === 0 || unknown.length > 0)
        throw new UsageError(`--transport takes ${TRANSPORTS.join(', ')} (or several, comma-separated; got '${unknown.join(',')}')`);
      args.transports = [...new Set(list)] as BenchTransport[];
    } else if (flag === '--case') {
      args.cases = value().split(',').filter(Boolean);
    } else if (flag.startsWith('--')) {
      throw new UsageError(`unknown option ${flag}`);
    } else if (args.name === undefined) {
      args.name = flag;
    } else {
      throw new UsageError(`unexpected argument '${flag}'`);
    }
  }
  return args;
}

class UsageError extends Error {}

const usage = () =>
  `usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [--transport ${TRANSPORTS.join('|')}[,...]] [--case name,...]`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const wrongNode = unsupportedNode();
  if (wrongNode) throw new UsageError(wrongNode);
  if (!args.name) throw new UsageError('which benchmark?');
  const load = BENCHMARKS[args.name];
  if (!load) throw new UsageError(`unknown benchmark '${args.name}'`);
  const benchmark = await load();
  const unknown = args.cases.filter((c) => !benchmark.cases.includes(c));
  if (unknown.length > 0)
    throw new UsageError(`${benchmark.name} has no case ${unknown.join(', ')} (cases: ${benchmark.cases.join(', ')})`);
  const supported = benchmark.transports ?? DEFAULT_TRANSPORTS;
  const transports = args.transports ?? DEFAULT_TRANSPORTS.filter((t) => supported.includes(t));
  const unsupported = transports.filter((t) => !supported.includes(t));
  if (unsupported.length > 0)
    throw new UsageError(`${benchmark.name} does not run on ${unsupported.join(', ')} (it runs on ${supported.join(', ')})`);

  reserveStdoutForResults();
  const t0 = performance.now();
  progress(`${benchmark.name}: ${benchmark.description} — transports ${transports.join(', ')}`);
  await benchmark.run({ transports, cases: args.cases, emit, progress });
  progress(`${benchmark.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage()}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
