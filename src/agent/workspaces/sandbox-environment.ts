import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bubblewrapArgs, SANDBOX_PATH } from './bubblewrap-args.js';
import { SandboxCgroups } from './sandbox-cgroups.js';
import { SandboxEgress } from './sandbox-egress.js';
import { DEFAULT_SANDBOX_UIDS, sandboxIdentity, type SandboxIdentity, type SandboxUidRange } from './sandbox-identity.js';
import type { SandboxPolicy } from '../tenancy/tier-policy.js';
import { WorkspaceVolumes } from './workspace-volumes.js';

export const IsolationKind = {
  /** Namespaces for user, pids, mounts, IPC, hostname and network; a read-only system; only the workspace writable. */
  Bubblewrap: 'bubblewrap',
  /**
   * No namespaces: the command shares the host's filesystem view, network and process table,
   * with only resource limits, a separate uid (when the app is root) and the blocklist. Only
   * when the host asks for it by this name.
   */
  UnsafeNone: 'unsafe-none',
  /** No isolation could be had and none was waived: the `bash` tool is refused. */
  Unavailable: 'unavailable',
} as const;
export type IsolationKind = (typeof IsolationKind)[keyof typeof IsolationKind];
/** `auto` takes bubblewrap when it works here and refuses `bash` otherwise; `bubblewrap` fails the boot without it. */
export type IsolationMode = 'auto' | typeof IsolationKind.Bubblewrap | typeof IsolationKind.UnsafeNone;
export const ISOLATION_MODES: readonly IsolationMode[] = ['auto', IsolationKind.Bubblewrap, IsolationKind.UnsafeNone];
/** Values older versions took, and why they are gone. */
export const RETIRED_ISOLATION_MODES: Readonly<Record<string, string>> = {
  none: "'none' is now 'unsafe-none': commands then run without namespaces (the host's filesystem, network and processes are in reach); prefer bubblewrap",
  unshare:
    "'unshare' is gone: it left the host's filesystem writable to a root app; use 'auto' or 'bubblewrap' (Debian: apt-get install bubblewrap)",
};

export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** What this machine offers the `bash` tool, found once at boot. */
export interface SandboxEnvironment {
  readonly kind: IsolationKind;
  /** Why `bash` is refused (kind `unavailable`), with what would fix it. */
  readonly refusal: string | null;
  readonly cgroups: SandboxCgroups | null;
  /** Options of the bubblewrap build found here (e.g. `--disable-userns`). */
  readonly bubblewrapExtras: string[];
  /**
   * `unsafe-none`: commands still get a pid namespace of their own (`unshare`), so whatever they
   * leave running dies with them. bubblewrap always makes one.
   */
  readonly pidNamespace: boolean;
  /** The way out for network-on tiers; a string says why there is none (they are refused then). */
  readonly egress: SandboxEgress | string;
  /** Sized filesystems per tenant; a string says why there are none (quota checked between writes only). */
  readonly volumes: WorkspaceVolumes | string;
  /** The host uids tenants' commands run as (a root app). */
  readonly uids: SandboxUidRange;
  /** What is enforced and how, for the boot log and `/health`. */
  readonly enforcement: SandboxEnforcement;
  /** One line for the boot log, saying plainly what is not enforced. */
  readonly summary: string;
}

export interface SandboxEnforcement {
  isolation: IsolationKind;
  user: string;
  filesystem: string;
  network: string;
  disk: string;
  processes: string;
  memory: string;
  cpu: string;
}

export interface SandboxDetectOptions {
  /** The workspaces' base directory: per-tenant volumes are looked for there (none without it). */
  baseDir?: string;
  uids?: SandboxUidRange;
}

export async function detectSandboxEnvironment(mode: IsolationMode = 'auto', o: SandboxDetectOptions = {}): Promise<SandboxEnvironment> {
  if (!ISOLATION_MODES.includes(mode))
    throw new SandboxUnavailableError(RETIRED_ISOLATION_MODES[mode] ?? `workspaces.isolation must be one of ${ISOLATION_MODES.join(', ')}`);
  const uids = o.uids ?? DEFAULT_SANDBOX_UIDS;
  const probeIdentity = sandboxIdentity('probe', uids);
  const [cgroups, egress, volumes] = await Promise.all([
    SandboxCgroups.detect(),
    SandboxEgress.detect(),
    o.baseDir ? WorkspaceVolumes.detect(o.baseDir) : Promise.resolve('no workspace directory was given'),
  ]);

  let kind: IsolationKind = IsolationKind.Unavailable;
  let bubblewrapExtras: string[] = [];
  let refusal: string | null = null;
  let pidNamespace = false;
  if (mode === IsolationKind.UnsafeNone) {
    kind = IsolationKind.UnsafeNone;
    pidNamespace = (await run(asIdentity(probeIdentity, [...UNSAFE_PID_NAMESPACE, '/bin/true']))).code === 0;
  } else {
    const found = await probeBubblewrap(probeIdentity);
    if (found.ok) {
      kind = IsolationKind.Bubblewrap;
      bubblewrapExtras = found.extras;
    } else {
      refusal = `the bash tool is refused: bubblewrap does not work here (${found.problem}). Install it (Debian: apt-get install bubblewrap) and allow user namespaces (in Docker: a seccomp profile that permits them), or set workspaces.isolation: 'unsafe-none' to run commands without namespaces`;
      if (mode === IsolationKind.Bubblewrap) throw new SandboxUnavailableError(`workspaces.isolation is 'bubblewrap' but ${refusal}`);
    }
  }

  const enforcement = describe(kind, { cgroups, egress, volumes, identity: probeIdentity, pidNamespace });
  const head =
    kind === IsolationKind.Bubblewrap
      ? 'bubblewrap (user, pid, mount, ipc, uts and network namespaces; capabilities dropped; no new privileges)'
      : kind === IsolationKind.UnsafeNone
        ? "UNSAFE-NONE (workspaces.isolation: 'unsafe-none'): commands run WITHOUT namespaces; they see the host's files, processes and network"
        : `UNAVAILABLE: ${refusal}`;
  const summary = `Sandbox isolation: ${head}. User: ${enforcement.user}. Filesystem: ${enforcement.filesystem}. Network: ${enforcement.network}. Disk: ${enforcement.disk}. Processes: ${enforcement.processes}. Memory: ${enforcement.memory}. CPU: ${enforcement.cpu}.`;
  return {
    kind,
    refusal,
    cgroups,
    bubblewrapExtras,
    pidNamespace: pidNamespace || kind === IsolationKind.Bubblewrap,
    egress,
    volumes,
    uids,
    enforcement,
    summary,
  };
}

function describe(
  kind: IsolationKind,
  o: {
    cgroups: SandboxCgroups | null;
    egress: SandboxEgress | string;
    volumes: WorkspaceVolumes | string;
    identity: SandboxIdentity;
    pidNamespace: boolean;
  },
): SandboxEnforcement {
  const namespaced = kind === IsolationKind.Bubblewrap;
  return {
    isolation: kind,
    user: o.identity.switched
      ? 'an unprivileged uid per tenant (never root, never the app’s own)'
      : `the app's own uid (${o.identity.uid})${namespaced ? ' inside a user namespace' : ''}: run the app as root to give each tenant a uid of its own`,
    filesystem: namespaced
      ? 'confined (read-only system, only the workspace and writablePaths writable, readablePaths visible)'
      : 'NOT confined (the host filesystem is visible; only the uid keeps other files out)',
    network: !namespaced
      ? 'NOT enforced (the host network)'
      : typeof o.egress === 'string'
        ? `off, always (network-on tiers are refused: egress ${o.egress})`
        : 'off by a network namespace; network-on tiers get the internet only (slirp4netns; loopback, private ranges, link-local and this host refused)',
    disk:
      typeof o.volumes === 'string'
        ? `NOT enforced while a command runs (per-file size limit; the quota is checked between writes): per-tenant volumes ${o.volumes}`
        : 'a sized ext4 volume per tenant (bytes and inodes, enforced while commands run)',
    processes: [
      o.cgroups?.describe('pids') ?? 'rlimit (per user)',
      namespaced || o.pidNamespace
        ? 'a pid namespace (nothing outlives the command)'
        : o.cgroups
          ? 'the cgroup is killed after the command'
          : 'NOT contained: a detached process can outlive its command (no pid namespace, no cgroup)',
    ].join('; '),
    memory: o.cgroups?.describe('memory') ?? 'rlimit on address space (per process)',
    cpu: o.cgroups?.describe('cpu') ? `one CPU (${o.cgroups.describe('cpu')})` : 'NOT limited (no writable cpu cgroup)',
  };
}

async function probeBubblewrap(identity: SandboxIdentity): Promise<{ ok: true; extras: string[] } | { ok: false; problem: string }> {
  const workspace = await fs.mkdtemp(join(tmpdir(), 'nestjs-agents-probe-'));
  await fs.chown(workspace, identity.uid, identity.gid);
  const policy: SandboxPolicy = {
    timeoutSeconds: 5,
    network: false,
    memoryMb: 64,
    maxProcesses: 5,
    blockedCommands: [],
    readablePaths: [],
    writablePaths: [],
    maxOutputBytes: 1024,
  };
  try {
    let last = '';
    for (const extras of [['--disable-userns'], []]) {
      const args = bubblewrapArgs({ workspace, policy, extras, tmpBytes: 1024 * 1024, hidden: [] });
      // The probe proves what commands rely on: /proc/sys cannot be written from inside.
      const result = await run(
        asIdentity(identity, ['bwrap', ...args, '--', '/bin/sh', '-c', '! ( : > /proc/sys/kernel/core_uses_pid ) 2>/dev/null']),
      );
      if (result.code === 0) return { ok: true, extras };
      last =
        result.stderr.trim() ||
        (result.code === null ? 'did not start' : `exit ${result.code}${result.code === 1 ? ' (is /proc/sys writable from inside?)' : ''}`);
    }
    return { ok: false, problem: last.includes('ENOENT') ? 'not installed' : last };
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

/** `unsafe-none`'s one namespace: a pid namespace whose end (the shell's exit) kills everything in it. */
export const UNSAFE_PID_NAMESPACE = ['unshare', '--user', '--map-current-user', '--pid', '--fork', '--kill-child', '--'];

/** The argv that runs `argv` as the sandbox's user (`setpriv` drops root: uid, gid, groups). */
export function asIdentity(identity: SandboxIdentity, argv: string[]): string[] {
  if (!identity.switched) return argv;
  return ['setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, '--clear-groups', '--', ...argv];
}

/** Runs a probe with a clean environment; never throws. */
function run(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: SANDBOX_PATH }, timeout: 10_000 });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, stderr: String((error as NodeJS.ErrnoException).code ?? error.message) }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
