import { promises as fs, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSandboxEnvironment } from '../src/agent/workspaces/sandbox-environment.js';
import { SandboxRunner } from '../src/agent/workspaces/sandbox-runner.js';
import { DEFAULT_TIERS } from '../src/agent/tenancy/tier-policy.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { percentile, round } from './support/stats.js';

/**
 * What the sandbox adds to one `bash` call: `true` through `SandboxRunner` per tier (network off
 * and on), against the floor of spawning `/bin/bash -c true` directly, in the same run.
 */
const NAME = 'sandbox';
const CASES = ['free', 'pro', 'enterprise'] as const;
const RUNS = 60;
const WARMUP = 5;

async function timed(runs: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + runs; i++) {
    const started = performance.now();
    await call();
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  return samples;
}

export const sandbox: Benchmark = {
  name: NAME,
  description: 'p50/p95 of a sandboxed `true` per tier, against a bare bash spawn',
  cases: CASES,
  async run(ctx: BenchContext) {
    const environment = await detectSandboxEnvironment('auto');
    ctx.progress(environment.summary);
    const runner = new SandboxRunner(environment);
    const workspace = realpathSync(await fs.mkdtemp(join(tmpdir(), 'bench-sandbox-')));
    const { spawn } = await import('node:child_process');
    const floor = await timed(RUNS, () => new Promise((resolve) => spawn('/bin/bash', ['-c', 'true']).once('close', resolve)));
    const floorP50 = percentile(floor, 50);
    try {
      for (const tier of CASES) {
        if (ctx.cases.length > 0 && !ctx.cases.includes(tier)) continue;
        const policy = DEFAULT_TIERS[tier]!.sandbox;
        const samples = await timed(RUNS, () => runner.run({ command: 'true', workspace, policy }));
        const p50 = percentile(samples, 50);
        ctx.emit({
          bench: NAME,
          transport: 'none',
          case: tier,
          isolation: environment.kind,
          network: policy.network,
          p50_ms: round(p50, 1),
          p95_ms: round(percentile(samples, 95), 1),
          floor_p50_ms: round(floorP50, 2),
          ratio_to_floor: round(p50 / floorP50, 1),
        });
      }
    } finally {
      await fs.rm(workspace, { recursive: true, force: true });
    }
  },
};
