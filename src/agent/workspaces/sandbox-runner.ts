import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { BashResult } from '../runtime/tools/workspace-handle.js';
import { BLOCK_FD, blockedProgramFiles, bubblewrapArgs, INFO_FD, SANDBOX_PATH, SANDBOX_WORKSPACE } from './bubblewrap-args.js';
import type { CommandCgroup } from './sandbox-cgroups.js';
import { CommandBlockedError, findBlockedCommand } from './sandbox-command.js';
import type { EgressAttachment, SandboxEgress } from './sandbox-egress.js';
import {
  asIdentity,
  IsolationKind,
  SandboxUnavailableError,
  UNSAFE_PID_NAMESPACE,
  type SandboxEnvironment,
} from './sandbox-environment.js';
import { sandboxIdentity, type SandboxIdentity } from './sandbox-identity.js';
import type { SandboxPolicy } from '../tenancy/tier-policy.js';

export interface SandboxCommand {
  command: string;
  /** The workspace directory on the host (real path); the command's working directory. */
  workspace: string;
  policy: SandboxPolicy;
  /** Kills the command's whole process tree when it fires; `run` then rejects with its reason. */
  signal?: AbortSignal;
  /** Shorter than the policy's timeout (never longer). */
  timeoutSeconds?: number;
  /** Largest file the command may write (the workspace quota left), by RLIMIT_FSIZE. */
  maxFileBytes?: number;
  /** The host user the command runs as (default: the uid of an anonymous tenant); it is given the workspace. */
  identity?: SandboxIdentity;
}

/** Processes the isolation itself adds to a command's group (bwrap's monitor and its pid-1 reaper; unshare). */
const OVERHEAD_TASKS: Record<IsolationKind, number> = { bubblewrap: 2, 'unsafe-none': 1, unavailable: 0 };
/** Past this much output the command is stopped: nobody reads it (only `maxOutputBytes` are kept). */
const OUTPUT_STOP_FACTOR = 64;
/** After the shell exits, how long leftover processes may hold its output open. */
const CLOSE_GRACE_MS = 500;

/**
 * Runs `bash -c <command>` under a tier's sandbox policy, with the isolation found at boot (see
 * `detectSandboxEnvironment`): refused when there is none and none was waived. The command runs
 * as the tenant's own unprivileged uid (a root app), in the workspace, with a clean environment;
 * its process tree is killed at the timeout, on abort and when the shell exits (no leftover
 * daemons: the pid namespace or the cgroup goes, not only the process group), and its output is
 * cut at `maxOutputBytes`. Blocked programs are refused before anything runs, but the blocklist is
 * defence in depth only: the wall is the namespaces.
 */
export class SandboxRunner {
  constructor(readonly environment: SandboxEnvironment) {}

  async run(request: SandboxCommand): Promise<BashResult> {
    const { command, policy, signal } = request;
    signal?.throwIfAborted();
    if (typeof command !== 'string' || command.trim() === '') throw new Error('The command is empty');
    const egress = this.egressFor(policy);
    const blocked = findBlockedCommand(command, policy.blockedCommands);
    if (blocked) throw new CommandBlockedError(blocked);

    const identity = request.identity ?? sandboxIdentity('anonymous', this.environment.uids);
    // The workspace is the command's own: it may write there and nowhere else.
    await fs.chown(request.workspace, identity.uid, identity.gid);
    await fs.chmod(request.workspace, 0o700);
    const timeoutSeconds = Math.min(request.timeoutSeconds ?? policy.timeoutSeconds, policy.timeoutSeconds);
    const memoryBytes = policy.memoryMb * 1024 * 1024;
    const kind = this.environment.kind;
    const cgroup = await this.environment.cgroups?.create({ maxTasks: policy.maxProcesses + OVERHEAD_TASKS[kind], memoryBytes });
    try {
      const argv = this.argv(request, identity, egress, cgroup);
      return await execute(argv, {
        cwd: request.workspace,
        env: {
          PATH: SANDBOX_PATH,
          HOME: kind === IsolationKind.Bubblewrap ? SANDBOX_WORKSPACE : request.workspace,
          TMPDIR: '/tmp',
          LANG: 'C.UTF-8',
          TERM: 'dumb',
          SHELL: '/bin/bash',
        },
        timeoutMs: timeoutSeconds * 1000,
        maxOutputBytes: policy.maxOutputBytes,
        signal,
        cgroup,
        egress: egress ?? undefined,
      });
    } finally {
      await cgroup?.remove();
    }
  }

  /** The way out for a network-on command (null: network off); throws when the command may not run here. */
  private egressFor(policy: SandboxPolicy): SandboxEgress | null {
    const { kind, refusal, egress } = this.environment;
    if (kind === IsolationKind.Unavailable)
      throw new SandboxUnavailableError(refusal ?? 'the bash tool is refused: no sandbox isolation is available');
    if (kind !== IsolationKind.Bubblewrap || !policy.network) return null;
    if (typeof egress === 'string') {
      throw new SandboxUnavailableError(
        `this tier's commands have network access, which needs a network namespace of their own with egress only, and this host cannot give one: ${egress}`,
      );
    }
    return egress;
  }

  private argv(
    request: SandboxCommand,
    identity: SandboxIdentity,
    egress: SandboxEgress | null,
    cgroup: CommandCgroup | undefined,
  ): string[] {
    const { policy } = request;
    // Limits the kernel cannot take from a cgroup here are set inside, before the command runs;
    // without capabilities (namespaced) they cannot be raised again.
    const limits = ['ulimit -c 0', `ulimit -f ${Math.max(0, Math.floor((request.maxFileBytes ?? Number.MAX_SAFE_INTEGER) / 1024))}`];
    if (!cgroup?.has('memory')) limits.push(`ulimit -v ${policy.memoryMb * 1024}`);
    if (!cgroup?.has('pids')) limits.push(`ulimit -u ${policy.maxProcesses}`);
    const preamble = `${limits.join(' && ')} || { echo 'sandbox: could not apply limits' >&2; exit 126; }; exec /bin/bash --noprofile --norc -c "$1"`;
    const shell = ['/bin/bash', '--noprofile', '--norc', '-c', preamble, 'sandbox', request.command];

    const sandboxed =
      this.environment.kind === IsolationKind.Bubblewrap
        ? [
            'bwrap',
            ...bubblewrapArgs({
              workspace: request.workspace,
              policy,
              extras: this.environment.bubblewrapExtras,
              // /tmp and /dev/shm take memory: each gets a share of the limit, never the host's RAM.
              tmpBytes: Math.floor(Math.min(policy.memoryMb / 2, 256) * 1024 * 1024),
              hidden: blockedProgramFiles(policy.blockedCommands),
              egress: egress ? { resolvConf: egress.resolvConf } : undefined,
            }),
            '--',
            ...shell,
          ]
        : this.environment.pidNamespace
          ? [...UNSAFE_PID_NAMESPACE, ...shell]
          : shell;
    const argv = asIdentity(identity, sandboxed);
    if (!cgroup) return argv;
    // The shell joins the command's cgroups (as the app: the cgroup files are its), then drops to
    // the sandbox's user and becomes the sandbox: everything it starts stays inside.
    const join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
    return ['/bin/sh', '-c', join, 'sandbox', ...cgroup.procsFiles, '--', ...argv];
  }
}

interface ExecuteOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  cgroup?: CommandCgroup;
  /** Network on: the sandbox reports its pid on INFO_FD and waits on BLOCK_FD until this has fenced and connected it. */
  egress?: SandboxEgress;
}

function execute(argv: string[], o: ExecuteOptions): Promise<BashResult> {
  return new Promise<BashResult>((resolve, reject) => {
    const startedAt = performance.now();
    // detached: its own session and process group, so the whole group can be killed at once.
    const stdio: Array<'ignore' | 'pipe'> = o.egress ? ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env: o.env, detached: true, stdio });
    let network: EgressAttachment | null = null;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let totalBytes = 0;
    let stopped: 'timeout' | 'output' | 'abort' | 'network' | null = null;
    let networkError: Error | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;

    const killTree = () => {
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
      void o.cgroup?.kill();
    };
    const stop = (why: NonNullable<typeof stopped>) => {
      stopped ??= why;
      killTree();
    };
    const onData = (chunk: Buffer) => {
      totalBytes += chunk.length;
      if (keptBytes < o.maxOutputBytes) {
        const piece = chunk.subarray(0, o.maxOutputBytes - keptBytes);
        kept.push(piece);
        keptBytes += piece.length;
      }
      if (totalBytes > o.maxOutputBytes * OUTPUT_STOP_FACTOR) stop('output');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);

    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = () => stop('abort');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let closeTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      o.signal?.removeEventListener('abort', onAbort);
      network?.close();
      child.stdout!.destroy();
      child.stderr!.destroy();
      if (stopped === 'abort') return reject(o.signal?.reason ?? new Error('The command was aborted'));
      if (stopped === 'network') return reject(networkError);
      let output = Buffer.concat(kept).toString('utf8');
      const notes: string[] = [];
      if (totalBytes > keptBytes)
        notes.push(`output truncated: ${totalBytes - keptBytes} more bytes were not kept (limit ${o.maxOutputBytes})`);
      if (stopped === 'output') notes.push('the command was stopped: it kept writing far past the output limit');
      if (stopped === 'timeout')
        notes.push(`timed out after ${Math.round(o.timeoutMs / 1000)}s: the command and every process it started were killed`);
      if (notes.length > 0) output += `${output.endsWith('\n') || output === '' ? '' : '\n'}[${notes.join('; ')}]`;
      resolve({
        exitCode: stopped ? null : (exit?.code ?? null),
        signal: exit?.signal ?? (stopped ? 'SIGKILL' : null),
        output,
        truncated: totalBytes > keptBytes,
        timedOut: stopped === 'timeout',
        durationMs: Math.round(performance.now() - startedAt),
      });
    };

    if (o.egress) {
      const egress = o.egress;
      const info = child.stdio[INFO_FD] as Readable;
      const block = child.stdio[BLOCK_FD] as Writable;
      let text = '';
      const onInfo = (chunk: Buffer) => {
        text += chunk.toString();
        const pid = /"child-pid"\s*:\s*(\d+)/.exec(text)?.[1];
        if (!pid) return;
        info.off('data', onInfo);
        egress.attach(Number(pid)).then(
          (attached) => {
            if (settled) return attached.close();
            network = attached;
            block.end('go');
          },
          (error: Error) => {
            stopped ??= 'network';
            networkError = error;
            killTree();
          },
        );
      };
      info.on('data', onInfo);
      info.on('error', () => undefined);
      block.on('error', () => undefined);
    }

    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      network?.close();
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // The shell is done: what it left running goes too (a sandbox keeps no daemons).
      killTree();
      closeTimer = setTimeout(finish, CLOSE_GRACE_MS);
    });
    child.on('close', finish);
    if (o.signal?.aborted) onAbort();
  });
}
