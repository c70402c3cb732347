import type { QueueName } from '../infrastructure/queue-names.js';
import { findBudgetProblems, type MonthlyBudget } from './monthly-budget.js';
import {
  DEFAULT_RATE_LIMITS,
  findRateLimitProblems,
  mergeRateLimits,
  type TierRateLimits,
  type TierRateLimitsInput,
} from './tier-rate-limits.js';

/** How the `bash` tool may run for a tier (SPEC §8, §13). */
export interface SandboxPolicy {
  timeoutSeconds: number;
  /** May commands reach the network? */
  network: boolean;
  memoryMb: number;
  maxProcesses: number;
  /** Commands refused outright (matched on the program name of every command in the line). */
  blockedCommands: string[];
  /** Extra host paths readable inside the sandbox (the workspace is always readable and writable). */
  readablePaths: string[];
  writablePaths: string[];
  /** Output beyond this is cut (and says so). */
  maxOutputBytes: number;
}

/** Everything a subscription tier decides, in one object per tier. */
export interface TierPolicy {
  /** Executions of one user in pending/running/paused/awaiting states at once. */
  maxConcurrent: number;
  /** Starts per user in a sliding hour. */
  perHour: number;
  queue: QueueName;
  workspaceQuotaMb: number;
  sandbox: SandboxPolicy;
  /** Each user's monthly allowance (null = none); an admin's per-user or per-tenant budget overrides it. */
  budget: MonthlyBudget | null;
  /** Request rates per user on the library's routes (the `@nestjs/throttler` guard); the admission above limits work. */
  rateLimits: TierRateLimits;
}

export type TierPolicyInput = Partial<Omit<TierPolicy, 'sandbox' | 'rateLimits'>> & {
  sandbox?: Partial<SandboxPolicy>;
  rateLimits?: TierRateLimitsInput;
};

const NETWORK_TOOLS = ['curl', 'wget', 'ssh', 'scp', 'nc', 'netcat'];
const sandbox = (
  timeoutSeconds: number,
  memoryMb: number,
  maxProcesses: number,
  network: boolean,
  blockedCommands: string[] = [],
): SandboxPolicy => ({
  timeoutSeconds,
  network,
  memoryMb,
  maxProcesses,
  blockedCommands,
  readablePaths: [],
  writablePaths: [],
  maxOutputBytes: 64 * 1024,
});

/** SPEC §8 defaults. */
export const DEFAULT_TIERS: Record<string, TierPolicy> = {
  free: {
    maxConcurrent: 1,
    perHour: 10,
    queue: 'agents-default',
    workspaceQuotaMb: 100,
    sandbox: sandbox(60, 256, 5, false, NETWORK_TOOLS),
    budget: null,
    rateLimits: DEFAULT_RATE_LIMITS.free,
  },
  pro: {
    maxConcurrent: 5,
    perHour: 100,
    queue: 'agents-default',
    workspaceQuotaMb: 1024,
    sandbox: sandbox(120, 512, 10, false),
    budget: null,
    rateLimits: DEFAULT_RATE_LIMITS.pro,
  },
  enterprise: {
    maxConcurrent: 20,
    perHour: 1000,
    queue: 'agents-priority',
    workspaceQuotaMb: 10 * 1024,
    sandbox: sandbox(300, 1024, 20, true),
    budget: null,
    rateLimits: DEFAULT_RATE_LIMITS.enterprise,
  },
};

/** Tiers from options merged over the defaults (a tier the defaults lack starts from `free`). */
export function mergeTiers(input: Record<string, TierPolicyInput> = {}): Record<string, TierPolicy> {
  const merged: Record<string, TierPolicy> = { ...DEFAULT_TIERS };
  for (const [name, policy] of Object.entries(input)) {
    const base = Object.hasOwn(DEFAULT_TIERS, name) ? DEFAULT_TIERS[name]! : DEFAULT_TIERS.free!;
    merged[name] = {
      ...base,
      ...policy,
      sandbox: { ...base.sandbox, ...policy.sandbox },
      rateLimits: mergeRateLimits(base.rateLimits, policy.rateLimits),
    };
  }
  return merged;
}

export function findTierProblems(tiers: Record<string, TierPolicy>, queues: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [name, t] of Object.entries(tiers)) {
    for (const key of ['maxConcurrent', 'perHour', 'workspaceQuotaMb'] as const) {
      if (!Number.isInteger(t[key]) || t[key] <= 0) problems.push(`tiers.${name}.${key} must be a positive integer`);
    }
    if (!queues.includes(t.queue)) problems.push(`tiers.${name}.queue must be one of ${queues.join(', ')}`);
    problems.push(...findBudgetProblems(`tiers.${name}.budget`, t.budget));
    problems.push(...findRateLimitProblems(`tiers.${name}.rateLimits`, t.rateLimits));
    for (const key of ['timeoutSeconds', 'memoryMb', 'maxProcesses', 'maxOutputBytes'] as const) {
      if (!Number.isInteger(t.sandbox[key]) || t.sandbox[key] <= 0)
        problems.push(`tiers.${name}.sandbox.${key} must be a positive integer`);
    }
  }
  return problems;
}
