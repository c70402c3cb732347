import { spawn } from 'node:child_process';
import { existsSync, lstatSync, promises as fs, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCgroups } from './sandbox-cgroups.js';
import type { SandboxPolicy } from './tier-policy.js';

export const IsolationKind = {
  /** Namespaces for user, pids, mounts, IPC, hostname and network; a read-only system; only the workspace writable. */
  Bubblewrap: 'bubblewrap',
  /** `unshare`: user, pid and network namespaces; the filesystem is not confined. */
  Unshare: 'unshare',
  /** Resource limits, the timeout and the blocklist only. */
  None: 'none',
} as const;
export type IsolationKind = (typeof IsolationKind)[keyof typeof IsolationKind];
/** `auto` takes the strongest that works here; a named kind is required (the boot fails without it). */
export type IsolationMode = 'auto' | IsolationKind;
export const ISOLATION_MODES: readonly IsolationMode[] = ['auto', IsolationKind.Bubblewrap, IsolationKind.Unshare, IsolationKind.None];

/** Where the workspace appears inside a bubblewrap sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PATH_DIRS = SANDBOX_PATH.split(':');
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** What programs need from /etc; the rest of it (keys, shadow files, app configs) stays out. */
const ETC_ENTRIES = [
  'alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'passwd', 'group', 'nsswitch.conf', 'hosts', 'host.conf',
  'resolv.conf', 'gai.conf', 'localtime', 'timezone', 'ssl/certs', 'ca-certificates', 'ca-certificates.conf', 'mime.types',
  'os-release', 'debian_version', 'protocols', 'services', 'inputrc', 'bash.bashrc', 'profile', 'gitconfig', 'magic', 'magic.mime',
];

export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** What this machine offers the `bash` tool, found once at boot. */
export interface SandboxEnvironment {
  readonly kind: IsolationKind;
  readonly cgroups: SandboxCgroups | null;
  /** Options of the bubblewrap build found here (e.g. `--disable-userns`). */
  readonly bubblewrapExtras: string[];
  /** What is enforced and how, for the boot log and `/health`-style reports. */
  readonly enforcement: SandboxEnforcement;
  /** One line for the boot log, saying plainly what is not enforced. */
  readonly summary: string;
}

export interface SandboxEnforcement {
  isolation: IsolationKind;
  filesystem: string;
  network: string;
  processes: string;
  memory: string;
  cpu: string;
}

export async function detectSandboxEnvironment(mode: IsolationMode = 'auto'): Promise<SandboxEnvironment> {
  const cgroups = await SandboxCgroups.detect();
  let kind: IsolationKind = IsolationKind.None;
  let bubblewrapExtras: string[] = [];
  const problems: string[] = [];

  if (mode === 'auto' || mode === IsolationKind.Bubblewrap) {
    const found = await probeBubblewrap();
    if (found.ok) {
      kind = IsolationKind.Bubblewrap;
      bubblewrapExtras = found.extras;
    } else problems.push(`bubblewrap: ${found.problem}`);
    if (mode === IsolationKind.Bubblewrap && kind !== IsolationKind.Bubblewrap) {
      throw new SandboxUnavailableError(`workspaces.isolation is 'bubblewrap' but ${problems.join('; ')}. Install it (Debian: apt-get install bubblewrap) or choose 'auto'`);
    }
  }
  if (kind === IsolationKind.None && (mode === 'auto' || mode === IsolationKind.Unshare)) {
    const found = await run('unshare', [...unshareArgs(false), '--', '/bin/true']);
    if (found.code === 0) kind = IsolationKind.Unshare;
    else problems.push(`unshare: ${found.stderr.trim() || `exit ${found.code}`}`);
    if (mode === IsolationKind.Unshare && kind !== IsolationKind.Unshare) {
      throw new SandboxUnavailableError(`workspaces.isolation is 'unshare' but ${problems.join('; ')}`);
    }
  }

  const root = process.getuid?.() === 0;
  const namespaced = kind !== IsolationKind.None;
  const enforcement: SandboxEnforcement = {
    isolation: kind,
    filesystem:
      kind === IsolationKind.Bubblewrap
        ? 'confined (read-only system, only the workspace and writablePaths writable, readablePaths visible)'
        : 'NOT confined (readablePaths/writablePaths not enforced; only the working directory is the workspace)',
    network: namespaced ? 'off by a network namespace when the tier has no network' : 'NOT enforced (no namespaces)',
    processes: cgroups?.describe('pids') ?? (root && !namespaced ? 'NOT enforced (running as root, no writable cgroup)' : root ? 'NOT enforced (root: RLIMIT_NPROC does not apply, no writable cgroup)' : 'rlimit (per user)'),
    memory: cgroups?.describe('memory') ?? 'rlimit on address space (per process)',
    cpu: cgroups?.describe('cpu') ? `one CPU (${cgroups.describe('cpu')})` : 'NOT limited (no writable cpu cgroup)',
  };
  const head =
    kind === IsolationKind.Bubblewrap
      ? 'bubblewrap (user, pid, mount, ipc, uts and network namespaces; capabilities dropped)'
      : kind === IsolationKind.Unshare
        ? 'PARTIAL: unshare (user, pid and network namespaces); install bubblewrap to confine the filesystem'
        : `NONE: commands run as this process's user with resource limits, the timeout and the blocklist only (${problems.join('; ') || 'isolation disabled by workspaces.isolation'})`;
  const summary = `Sandbox isolation: ${head}. Filesystem: ${enforcement.filesystem}. Network: ${enforcement.network}. Processes: ${enforcement.processes}. Memory: ${enforcement.memory}. CPU: ${enforcement.cpu}. Time, output size and file size (quota) limits: enforced.`;
  return { kind, cgroups, bubblewrapExtras, enforcement, summary };
}

/** bubblewrap's arguments for one command (everything before `--`). */
export function bubblewrapArgs(o: { workspace: string; policy: SandboxPolicy; extras: string[]; tmpBytes: number; hidden: string[] }): string[] {
  const args = ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  if (!o.policy.network) args.push('--unshare-net');
  args.push(...o.extras, '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', 'sandbox');
  args.push(...systemBinds());
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(o.tmpBytes), '--tmpfs', '/tmp');
  for (const path of o.policy.readablePaths) if (path.startsWith('/')) args.push('--ro-bind-try', path, path);
  for (const path of o.policy.writablePaths) if (path.startsWith('/')) args.push('--bind-try', path, path);
  // A blocked program is not there at all: /dev/null is mounted over it (it cannot be run or copied).
  for (const path of o.hidden) args.push('--ro-bind', '/dev/null', path);
  args.push('--bind', o.workspace, SANDBOX_WORKSPACE, '--chdir', SANDBOX_WORKSPACE);
  return args;
}

export function unshareArgs(network: boolean): string[] {
  return ['--user', '--map-root-user', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', ...(network ? [] : ['--net'])];
}

/** The files the blocked programs resolve to in the sandbox's PATH (to hide them under bubblewrap). */
export function blockedProgramFiles(blocked: readonly string[]): string[] {
  const files = new Set<string>();
  for (const name of blocked) {
    if (!/^[\w.+-]+$/.test(name)) continue;
    for (const dir of PATH_DIRS) {
      try {
        const real = realpathSync(join(dir, name));
        if (lstatSync(real).isFile()) files.add(real);
      } catch {
        // not in this directory
      }
    }
  }
  return [...files];
}

let systemBindsCache: string[] | null = null;
/** `/usr` read-only; `/bin`, `/lib`, ... as the same symlinks as on the host (merged /usr) or read-only too. */
function systemBinds(): string[] {
  if (systemBindsCache) return systemBindsCache;
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return (systemBindsCache = args);
}

async function probeBubblewrap(): Promise<{ ok: true; extras: string[] } | { ok: false; problem: string }> {
  const workspace = await fs.mkdtemp(join(tmpdir(), 'nestjs-agents-probe-'));
  const policy: SandboxPolicy = { timeoutSeconds: 5, network: false, memoryMb: 64, maxProcesses: 5, blockedCommands: [], readablePaths: [], writablePaths: [], maxOutputBytes: 1024 };
  try {
    let last = '';
    for (const extras of [['--disable-userns'], []]) {
      const result = await run('bwrap', [...bubblewrapArgs({ workspace, policy, extras, tmpBytes: 1024 * 1024, hidden: [] }), '--', '/bin/true']);
      if (result.code === 0) return { ok: true, extras };
      last = result.stderr.trim() || (result.code === null ? 'did not start' : `exit ${result.code}`);
    }
    return { ok: false, problem: last.includes('ENOENT') ? 'not installed' : last };
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

/** Runs a probe with a clean environment; never throws. */
function run(file: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: SANDBOX_PATH }, timeout: 10_000 });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, stderr: String((error as NodeJS.ErrnoException).code ?? error.message) }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
