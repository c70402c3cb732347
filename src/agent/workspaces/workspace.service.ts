import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedWorkspaceOptions } from './workspace.options.js';
import type { ResolvedTenancyOptions } from '../tenancy/tenancy.options.js';
import { QuotaExceededError } from '../errors/agent.errors.js';
import type { BashResult, Workspace, WorkspaceEntry, WorkspaceFile, WorkspaceSearch } from '../runtime/tools/workspace-handle.js';
import type { Principal } from '../tenancy/principal.js';
import { detectSandboxEnvironment, type SandboxEnvironment } from './sandbox-environment.js';
import { sandboxIdentity, type SandboxIdentity } from './sandbox-identity.js';
import { SandboxRunner } from './sandbox-runner.js';
import { TierPolicies } from '../tenancy/tier-policies.js';
import type { TierPolicy } from '../tenancy/tier-policy.js';
import { WorkspaceFiles } from './workspace-files.js';
import { workspaceSegment } from './workspace-path.js';
import { measureDirectory, TenantDiskUsage } from './workspace-usage.js';

const MiB = 1024 * 1024;

/** The workspaces' base directory cannot be created or used: a deployment problem, said at boot. */
export class WorkspaceDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkspaceDirectoryError';
  }
}
const DAY_MS = 24 * 3600 * 1000;

export interface WorkspaceOwner {
  tenantId: string;
  userId: string;
  executionId: string;
  /** The tier the execution was started under (null: the default tier). */
  tier: string | null;
}

/**
 * Workspaces (`<baseDir>/<tenant>/<execution>`) and the sandbox that runs commands in them.
 *
 * The disk quota is the tier's `workspaceQuotaMb` over the tenant's workspaces together (all its
 * users and executions), checked with the tier of the principal who starts or writes: a start
 * is refused once the tenant is at its quota, a write when it would go past it, and a command
 * cannot write a file larger than what is left. Where the app runs as root, each tenant's
 * workspaces live on a sized volume of their own, so the filesystem enforces the quota (bytes
 * and inodes) while commands run; the tenant's directory and each workspace are owned by the
 * tenant's sandbox uid, mode 0700.
 *
 * @example
 * // In a custom agent's step:
 * await ctx.workspace?.writeFile('notes/plan.md', '# Plan');
 * const { exitCode, output } = await ctx.workspace!.bash('ls -la notes');
 */
@Injectable()
export class WorkspaceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AgentWorkspaces');
  private readonly usage: TenantDiskUsage;
  private environment: Promise<SandboxEnvironment> | null = null;
  private baseReal: Promise<string> | null = null;

  constructor(
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedWorkspaceOptions & ResolvedTenancyOptions,
    private readonly tiers: TierPolicies,
  ) {
    this.usage = new TenantDiskUsage(options.workspaces.baseDir, undefined, (tenant) => this.measure(tenant));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.base();
    const environment = await this.sandbox();
    if (environment.kind === 'bubblewrap' && !environment.enforcement.disk.startsWith('NOT')) this.logger.log(environment.summary);
    else this.logger.warn(environment.summary);
  }

  async onApplicationShutdown(): Promise<void> {
    const environment = await this.environment?.catch(() => null);
    await environment?.cgroups?.dispose();
    if (environment && typeof environment.volumes !== 'string') await environment.volumes.release();
  }

  /** What the `bash` tool runs under on this machine (found once, at boot). */
  sandbox(): Promise<SandboxEnvironment> {
    return (this.environment ??= this.base().then((baseDir) =>
      detectSandboxEnvironment(this.options.workspaces.isolation, { baseDir, uids: this.options.workspaces.sandboxUids }),
    ));
  }

  /** Throws `QuotaExceededError` (413) when the principal's tenant already uses its tier's workspace quota. */
  async assertStartAllowed(principal: Principal): Promise<void> {
    const tier = this.tiers.for(principal);
    const quota = tier.workspaceQuotaMb * MiB;
    const used = await this.usage.bytes(workspaceSegment(principal.tenantId));
    if (used >= quota) throw new QuotaExceededError(used, quota);
  }

  /** Bytes the tenant's workspaces use (measured at most `ttl` ago). */
  tenantUsage(tenantId: string): Promise<number> {
    return this.usage.bytes(workspaceSegment(tenantId));
  }

  /** The execution's workspace for one step; nothing touches the disk until it is used. */
  forStep(owner: WorkspaceOwner, signal: AbortSignal): Workspace {
    return new ExecutionWorkspace(
      this,
      owner,
      signal,
      join(this.options.workspaces.baseDir, workspaceSegment(owner.tenantId), workspaceSegment(owner.executionId)),
    );
  }

  /** Removes workspaces not used for `days` (default `workspaces.cleanupAfterDays`); for the maintenance job. */
  async removeExpired(days = this.options.workspaces.cleanupAfterDays, now = Date.now()): Promise<{ removed: number }> {
    const base = await this.base();
    const cutoff = now - days * DAY_MS;
    let removed = 0;
    for (const tenant of await fs.readdir(base, { withFileTypes: true })) {
      if (!tenant.isDirectory()) continue;
      const tenantDir = join(base, tenant.name);
      for (const execution of await fs.readdir(tenantDir, { withFileTypes: true }).catch(() => [])) {
        if (!execution.isDirectory() || execution.name.startsWith('.')) continue;
        const dir = join(tenantDir, execution.name);
        const stat = await fs.lstat(dir).catch(() => null);
        if (!stat || stat.mtimeMs >= cutoff) continue;
        await fs.rm(dir, { recursive: true, force: true });
        removed++;
      }
      this.usage.forget(tenant.name);
    }
    if (removed > 0) this.logger.log(`Removed ${removed} workspace(s) unused for ${days} day(s)`);
    return { removed };
  }

  /** @internal The workspace directory, created (and marked as used now) on first use. */
  async open(owner: WorkspaceOwner, dir: string): Promise<OpenedWorkspace> {
    const base = await this.base();
    const tenant = workspaceSegment(owner.tenantId);
    const policy = this.tiers.for({ tier: owner.tier ?? this.options.defaultTier });
    const quota = policy.workspaceQuotaMb * MiB;
    const environment = await this.sandbox();
    const identity = sandboxIdentity(tenant, environment.uids);
    if (typeof environment.volumes === 'string' || !(await environment.volumes.ensure(tenant, quota, identity))) {
      await this.ownedDirectory(join(base, tenant), identity);
    }
    await this.ownedDirectory(dir, identity);
    const now = new Date();
    await fs.utimes(dir, now, now);
    const root = await fs.realpath(dir);
    const files = new WorkspaceFiles(root, {
      owner: identity,
      quota: {
        reserve: async (delta) => {
          const used = await this.usage.bytes(tenant);
          if (delta > 0 && used + delta > quota) throw new QuotaExceededError(used + delta, quota, 'write this file');
          this.usage.add(tenant, delta);
        },
        exhausted: async (delta) => {
          this.usage.forget(tenant);
          throw new QuotaExceededError((await this.usage.bytes(tenant)) + Math.max(0, delta), quota, 'write this file');
        },
      },
    });
    return { files, policy, tenant, identity };
  }

  /** @internal Runs a command in an opened workspace; the tenant's usage is measured again afterwards. */
  async bash(opened: OpenedWorkspace, command: string, signal: AbortSignal, timeoutSeconds?: number): Promise<BashResult> {
    const runner = new SandboxRunner(await this.sandbox());
    const left = Math.max(0, opened.policy.workspaceQuotaMb * MiB - (await this.usage.bytes(opened.tenant)));
    try {
      return await runner.run({
        command,
        workspace: opened.files.root,
        policy: opened.policy.sandbox,
        signal,
        timeoutSeconds,
        maxFileBytes: left,
        identity: opened.identity,
      });
    } finally {
      this.usage.forget(opened.tenant);
    }
  }

  /**
   * The base directory: 0711 for a root app (tenants' uids pass through to their own directory,
   * none can list the others), 0700 otherwise (commands run as the app's uid).
   */
  private base(): Promise<string> {
    return (this.baseReal ??= (async () => {
      const dir = this.options.workspaces.baseDir;
      try {
        await fs.mkdir(dir, { recursive: true });
        await fs.chmod(dir, process.getuid?.() === 0 ? 0o711 : 0o700);
        return await fs.realpath(dir);
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        throw new WorkspaceDirectoryError(
          `workspaces.baseDir '${dir}' cannot be used (${code ?? message}) by this process (uid ${process.getuid?.()}): ` +
            'give workspaces.baseDir a directory this user may create and write, or create it for this user',
        );
      }
    })());
  }

  private async ownedDirectory(dir: string, identity: SandboxIdentity): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.chown(dir, identity.uid, identity.gid);
    await fs.chmod(dir, 0o700);
  }

  /** The filesystem's own count on a tenant volume; a walk of the files otherwise. */
  private async measure(tenant: string): Promise<number> {
    const environment = await this.sandbox();
    const volume = typeof environment.volumes === 'string' ? null : await environment.volumes.usage(tenant);
    return volume?.bytes ?? measureDirectory(join(await this.base(), tenant));
  }
}

interface OpenedWorkspace {
  files: WorkspaceFiles;
  policy: TierPolicy;
  tenant: string;
  identity: SandboxIdentity;
}

/** One step's view of its execution's workspace (`ctx.workspace`). */
class ExecutionWorkspace implements Workspace {
  private opened: ReturnType<WorkspaceService['open']> | null = null;

  constructor(
    private readonly service: WorkspaceService,
    private readonly owner: WorkspaceOwner,
    private readonly signal: AbortSignal,
    readonly path: string,
  ) {}

  async readFile(path: string, options?: { offset?: number; maxBytes?: number }): Promise<WorkspaceFile> {
    return (await this.open()).files.read(path, options);
  }

  async writeFile(path: string, content: string | Uint8Array): Promise<{ path: string; bytes: number }> {
    return (await this.open()).files.write(path, content);
  }

  async listDir(path?: string): Promise<WorkspaceEntry[]> {
    return (await this.open()).files.list(path);
  }

  async searchFiles(query: string, options?: { path?: string; regex?: boolean; maxResults?: number }): Promise<WorkspaceSearch> {
    return (await this.open()).files.search(query, options);
  }

  async bash(command: string, options?: { timeoutSeconds?: number }): Promise<BashResult> {
    return this.service.bash(await this.open(), command, this.signal, options?.timeoutSeconds);
  }

  private open() {
    this.signal.throwIfAborted();
    const opening = (this.opened ??= this.service.open(this.owner, this.path));
    // A failed open is tried again at the next use.
    opening.catch(() => {
      if (this.opened === opening) this.opened = null;
    });
    return opening;
  }
}
