import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SYSTEM_PATH } from './system-programs.js';
import type { SandboxPolicy } from '../tenancy/tier-policy.js';

/** Where the workspace appears inside a bubblewrap sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_PATH = SYSTEM_PATH;
const PATH_DIRS = SANDBOX_PATH.split(':');
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** What programs need from /etc; the rest of it (keys, shadow files, app configs) stays out. */
const ETC_ENTRIES = [
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'passwd',
  'group',
  'nsswitch.conf',
  'hosts',
  'host.conf',
  'gai.conf',
  'localtime',
  'timezone',
  'ssl/certs',
  'ca-certificates',
  'ca-certificates.conf',
  'mime.types',
  'os-release',
  'debian_version',
  'protocols',
  'services',
  'inputrc',
  'bash.bashrc',
  'profile',
  'gitconfig',
  'magic',
  'magic.mime',
];
/** File descriptors of the sandbox process that the runner reads and writes (see `SandboxRunner`). */
export const INFO_FD = 3;
export const BLOCK_FD = 4;

export interface BubblewrapCommand {
  workspace: string;
  policy: SandboxPolicy;
  /** Options of the bubblewrap build found here (e.g. `--disable-userns`). */
  extras: string[];
  /** Size of each of the sandbox's own tmpfs mounts (`/tmp`, `/dev/shm`). */
  tmpBytes: number;
  /** Files mounted over with /dev/null (blocked programs). */
  hidden: string[];
  /**
   * Network on: the resolv.conf to show (slirp's DNS forwarder); the sandbox then reports its pid
   * on `INFO_FD` and waits on `BLOCK_FD` until its network is fenced and connected.
   */
  egress?: { resolvConf: string };
}

/**
 * bubblewrap's arguments for one command (everything before `--`). Every namespace is new,
 * network included (network on gets its own, connected later), capabilities are dropped, no new
 * privileges can be gained (bubblewrap sets `no_new_privs`), the system is read-only, `/proc/sys`
 * belongs to a user the sandbox is not, the workspace is bound `nosuid,nodev`, and `/dev` is
 * read-only with sized `/dev/shm` and `/tmp` (so neither can take the host's memory).
 */
export function bubblewrapArgs(o: BubblewrapCommand): string[] {
  const args = ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net'];
  args.push(...o.extras, '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', 'sandbox');
  args.push(...systemBinds());
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  args.push('--ro-bind-try', o.egress?.resolvConf ?? '/etc/resolv.conf', '/etc/resolv.conf');
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(o.tmpBytes), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  args.push('--size', String(o.tmpBytes), '--tmpfs', '/tmp');
  for (const path of o.policy.readablePaths) if (path.startsWith('/')) args.push('--ro-bind-try', path, path);
  for (const path of o.policy.writablePaths) if (path.startsWith('/')) args.push('--bind-try', path, path);
  // A blocked program is not there at all: /dev/null is mounted over it (it cannot be run or copied).
  for (const path of o.hidden) args.push('--ro-bind', '/dev/null', path);
  args.push('--bind', o.workspace, SANDBOX_WORKSPACE, '--chdir', SANDBOX_WORKSPACE);
  if (o.egress) args.push('--info-fd', String(INFO_FD), '--block-fd', String(BLOCK_FD));
  return args;
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
