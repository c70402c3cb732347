import 'reflect-metadata';
import type { Transport } from 'nestjs-agents';
import type { Benchmark } from './support/benchmark.js';
import { emit, progress, reserveStdoutForResults } from './support/output.js';

/**
 * `npm run bench -- <name> [--transport redis|postgres] [--case a,b]`
 * Prints one JSON line per case on stdout; progress and everything else on stderr.
 */
const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  'step-overhead': async () => (await import('./step-overhead.js')).stepOverhead,
  control: async () => (await import('./control.js')).control,
  awaken: async () => (await import('./awaken.js')).awaken,
  realtime: async () => (await import('./realtime.js')).realtime,
  sandbox: async () => (await import('./sandbox.js')).sandbox,
  throttler: async () => (await import('./throttler.js')).throttler,
  starts: async () => (await import('./starts.js')).starts,
  capacity: async () => (await import('./capacity.js')).capacity,
  'scale-out': async () => (await import('./scale-out.js')).scaleOut,
};

const TRANSPORTS: readonly Transport[] = ['redis', 'postgres'];

interface Args {
  name: string | undefined;
  transports: Transport[];
  cases: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { name: undefined, transports: [...TRANSPORTS], cases: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split('=', 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--transport') {
      const v = value();
      if (!(TRANSPORTS as readonly string[]).includes(v))
        throw new UsageError(`--transport must be one of ${TRANSPORTS.join(', ')} (got '${v}')`);
      args.transports = [v as Transport];
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
  `usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [--transport ${TRANSPORTS.join('|')}] [--case name,...]`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.name) throw new UsageError('which benchmark?');
  const load = BENCHMARKS[args.name];
  if (!load) throw new UsageError(`unknown benchmark '${args.name}'`);
  const benchmark = await load();
  const unknown = args.cases.filter((c) => !benchmark.cases.includes(c));
  if (unknown.length > 0)
    throw new UsageError(`${benchmark.name} has no case ${unknown.join(', ')} (cases: ${benchmark.cases.join(', ')})`);

  reserveStdoutForResults();
  const t0 = performance.now();
  progress(`${benchmark.name}: ${benchmark.description} — transports ${args.transports.join(', ')}`);
  await benchmark.run({ transports: args.transports, cases: args.cases, emit, progress });
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
