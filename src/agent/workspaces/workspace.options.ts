import { isAbsolute, resolve } from 'node:path';
import { isPositiveInt } from '../errors/option-checks.js';
import { ISOLATION_MODES, RETIRED_ISOLATION_MODES, type IsolationMode } from './sandbox-environment.js';
import { DEFAULT_SANDBOX_UIDS, findSandboxUidProblems, type SandboxUidRange } from './sandbox-identity.js';

export interface WorkspaceOptions {
  /**
   * Where workspaces live: `<baseDir>/<tenant>/<execution>` (default `.data/workspaces` under the
   * working directory). Workers that take over each other's executions must share it.
   */
  baseDir?: string;
  /** A workspace unused for this many days is removed by `WorkspaceService.removeExpired()` (default 7). */
  cleanupAfterDays?: number;
  /**
   * The `bash` tool's isolation. `auto` (default): bubblewrap when it works here, otherwise the
   * tool is refused (with the reason) and the boot log and `/health` say so. `bubblewrap`: the
   * boot fails without it. `unsafe-none`: commands run without namespaces (they see the host's
   * files, processes and network); only for machines where nothing else is possible and the
   * agents are trusted.
   */
  isolation?: IsolationMode;
  /**
   * Host uids for tenants' commands when the app runs as root (each tenant gets one, derived from
   * its id; default 1,500,000,000 … +1,000,000). Pick a range no one else on the host uses.
   */
  sandboxUids?: SandboxUidRange;
}

export interface ResolvedWorkspaceOptions {
  workspaces: Required<WorkspaceOptions>;
}

export function resolveWorkspaceOptions(input: WorkspaceOptions | undefined, problems: string[]): ResolvedWorkspaceOptions {
  const workspaces = {
    baseDir: input?.baseDir ?? '.data/workspaces',
    cleanupAfterDays: input?.cleanupAfterDays ?? 7,
    isolation: input?.isolation ?? 'auto',
    sandboxUids: input?.sandboxUids ?? DEFAULT_SANDBOX_UIDS,
  };
  const { baseDir } = workspaces;
  if (typeof baseDir !== 'string' || baseDir.trim() === '') problems.push('workspaces.baseDir must be a directory path');
  else workspaces.baseDir = isAbsolute(baseDir) ? baseDir : resolve(baseDir);
  if (!isPositiveInt(workspaces.cleanupAfterDays)) problems.push('workspaces.cleanupAfterDays must be a positive integer (days)');
  if (!ISOLATION_MODES.includes(workspaces.isolation)) {
    const retired = RETIRED_ISOLATION_MODES[workspaces.isolation];
    problems.push(`workspaces.isolation must be one of ${ISOLATION_MODES.join(', ')}${retired ? ` (${retired})` : ''}`);
  }
  problems.push(...findSandboxUidProblems(workspaces.sandboxUids));
  return { workspaces };
}
