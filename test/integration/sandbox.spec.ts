import { existsSync, mkdirSync, promises as fs, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandBlockedError } from '../../src/agent/workspaces/sandbox-command.js';
import {
  detectSandboxEnvironment,
  IsolationKind,
  type IsolationMode,
  type SandboxEnvironment,
} from '../../src/agent/workspaces/sandbox-environment.js';
import { sandboxIdentity } from '../../src/agent/workspaces/sandbox-identity.js';
import { SandboxRunner } from '../../src/agent/workspaces/sandbox-runner.js';
import { DEFAULT_TIERS, type SandboxPolicy } from '../../src/agent/tenancy/tier-policy.js';
import { processesWith } from '../support/processes.js';

const freePolicy = (override: Partial<SandboxPolicy> = {}): SandboxPolicy => ({ ...DEFAULT_TIERS.free!.sandbox, ...override });
const marker = () => `${600 + Math.floor(Math.random() * 300)}.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;

/** Counts matching processes while `work` runs; the highest count seen. */
async function peakProcessesWhile<T>(text: string, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let done = false;
  let peak = 0;
  const watching = (async () => {
    while (!done) {
      peak = Math.max(peak, processesWith(text));
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    done = true;
    await watching;
  }
}

const modes: IsolationMode[] = ['auto', IsolationKind.UnsafeNone];

describe.each(modes)('sandboxed bash (isolation %s)', (mode) => {
  let environment: SandboxEnvironment | null = null;
  let runner: SandboxRunner;
  let workspace: string;

  beforeAll(async () => {
    environment = await detectSandboxEnvironment(mode);
    if (environment.kind === IsolationKind.Unavailable) environment = null;
    if (environment) runner = new SandboxRunner(environment);
    workspace = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-spec-')));
  });
  afterAll(async () => {
    await fs.rm(workspace, { recursive: true, force: true });
  });

  const run = (
    command: string,
    policy: SandboxPolicy = freePolicy(),
    extra: { signal?: AbortSignal; timeoutSeconds?: number; maxFileBytes?: number } = {},
  ) => runner.run({ command, workspace, policy, ...extra });
  const available = () => environment !== null;
  const enforced = (what: 'processes' | 'memory' | 'network') => available() && !environment!.enforcement[what].startsWith('NOT');

  it('says which isolation is active', ({ skip }) => {
    if (!available()) skip();
    console.info(`[${mode}] ${environment!.summary}`);
    if (mode === 'auto' && existsSync('/usr/bin/bwrap')) expect(environment!.kind).toBe(IsolationKind.Bubblewrap);
    if (mode === IsolationKind.UnsafeNone) expect(environment!.summary).toContain('UNSAFE-NONE');
  });

  it('runs the command in the workspace with a clean environment', async ({ skip }) => {
    if (!available()) skip();
    const result = await run('echo hello > greeting.txt && cat greeting.txt && echo "secret=${DATABASE_URL:-unset}"');
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, truncated: false });
    expect(result.output).toContain('hello');
    expect(result.output).toContain('secret=unset');
    expect(readFileSync(join(workspace, 'greeting.txt'), 'utf8')).toBe('hello\n');
  });

  it('refuses blocked commands before running anything', async ({ skip }) => {
    if (!available()) skip();
    for (const command of [
      'curl https://example.com',
      'X=1 /usr/bin/wget -q x',
      'echo $(nc -l 9000)',
      'bash -c "ssh host"',
      'timeout 5 c"ur"l x',
      'ls | xargs scp',
    ]) {
      await expect(run(`touch ran-${command.length}; ${command}`)).rejects.toBeInstanceOf(CommandBlockedError);
      expect(existsSync(join(workspace, `ran-${command.length}`))).toBe(false);
    }
    await expect(run('echo curling is a sport')).resolves.toMatchObject({ exitCode: 0 });
  });

  it('hides blocked programs from a name computed at run time (bubblewrap)', async ({ skip }) => {
    if (environment?.kind !== IsolationKind.Bubblewrap || !existsSync('/usr/bin/curl')) skip();
    const result = await run('p=cu; ${p}rl --version && echo RAN');
    expect(result.output).not.toContain('RAN');
    expect(result.exitCode).not.toBe(0);
  });

  it('contains a fork bomb within the process limit, then kills all of it', async ({ skip }) => {
    if (!enforced('processes')) skip(); // NOTE: never run a fork bomb where nothing limits it
    const tag = marker();
    const policy = freePolicy({ maxProcesses: 5 });
    const started = Date.now();
    const { result, peak } = await peakProcessesWhile(
      tag,
      run(`: ${tag}; bomb() { bomb | bomb & }; bomb; wait`, policy, { timeoutSeconds: 1 }),
    );
    // It did fork, up to the command's processes plus bubblewrap's own two (its monitor and the namespace's init).
    expect(peak).toBeGreaterThanOrEqual(3);
    expect(peak).toBeLessThanOrEqual(policy.maxProcesses + 2);
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(processesWith(tag)).toBe(0);
  });

  it('contains a memory hog', async ({ skip }) => {
    if (!enforced('memory')) skip();
    const policy = freePolicy({ memoryMb: 64 });
    const hog = await run('dd if=/dev/zero of=/dev/null bs=300M count=1 2>&1 && echo ALLOCATED', policy);
    expect(hog.output).not.toContain('ALLOCATED');
    expect(hog.exitCode).not.toBe(0);
    const modest = await run('dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null && echo ALLOCATED', policy);
    expect(modest.output).toContain('ALLOCATED');
  });

  it('kills the command and what it started at the timeout', async ({ skip }) => {
    if (!available()) skip();
    const tag = marker();
    const started = Date.now();
    const result = await run(`sleep ${tag} & sleep ${tag}; echo never`, freePolicy({ timeoutSeconds: 1 }));
    expect(result).toMatchObject({ timedOut: true, exitCode: null });
    expect(result.output).toContain('timed out after 1s');
    expect(result.output).not.toContain('never');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(processesWith(tag)).toBe(0);
  });

  describe('network', () => {
    let server: Server;
    let port: number;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.end('hello from outside\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('off: a server on the host loopback cannot be reached', async ({ skip }) => {
      if (!enforced('network')) skip();
      const before = connections;
      const result = await run(`exec 3<>/dev/tcp/127.0.0.1/${port} && echo CONNECTED && cat <&3`, freePolicy({ network: false }));
      expect(result.output).not.toContain('CONNECTED');
      expect(result.exitCode).not.toBe(0);
      expect(connections).toBe(before);
    });
  });

  it('cuts the output at maxOutputBytes and says so', async ({ skip }) => {
    if (!available()) skip();
    const result = await run("head -c 30000 /dev/zero | tr '\\0' x; echo; echo tail-line", freePolicy({ maxOutputBytes: 1000 }));
    expect(result.truncated).toBe(true);
    expect(result.exitCode).toBe(0);
    const kept = result.output.slice(0, result.output.indexOf('\n['));
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(1000);
    expect(result.output).toMatch(/output truncated: \d+ more bytes/);
  });

  it('kills the whole process tree when the step is aborted (force kill)', async ({ skip }) => {
    if (!available()) skip();
    const tag = marker();
    const controller = new AbortController();
    // Children in the background, one in a session of its own (out of the process group).
    const running = run(`sleep ${tag} & setsid sleep ${tag} & (sleep ${tag}) & wait`, freePolicy(), { signal: controller.signal });
    for (let i = 0; i < 100 && processesWith(tag) < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processesWith(tag)).toBeGreaterThanOrEqual(3);
    const started = Date.now();
    controller.abort(new Error('force-killed'));
    await expect(running).rejects.toThrow('force-killed');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(processesWith(tag)).toBe(0);
  });

  it('caps the size of files a command writes (the quota left)', async ({ skip }) => {
    if (!available()) skip();
    const result = await run('head -c 50000 /dev/zero > big.bin; echo status=$?', freePolicy(), { maxFileBytes: 10 * 1024 });
    expect(result.output).toMatch(/status=(1|153)/);
    expect(statSync(join(workspace, 'big.bin')).size).toBeLessThanOrEqual(10 * 1024);
  });

  it('confines the filesystem: only the workspace and the policy paths (bubblewrap)', async ({ skip }) => {
    if (environment?.kind !== IsolationKind.Bubblewrap) skip();
    const readable = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-ro-')));
    const writable = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-rw-')));
    writeFileSync(join(readable, 'data.txt'), 'shared data');
    // Policy paths are the host's to open to the sandbox's uid (never root's or the app's).
    await fs.chmod(readable, 0o755);
    await fs.chmod(join(readable, 'data.txt'), 0o644);
    await fs.chmod(writable, 0o777);
    mkdirSync(join(workspace, 'sub'), { recursive: true });
    // What the app makes in a workspace belongs to the command's user (the file tools do the same).
    const { uid, gid } = sandboxIdentity('anonymous', environment!.uids);
    await fs.chown(join(workspace, 'sub'), uid, gid);
    try {
      const policy = freePolicy({ readablePaths: [readable], writablePaths: [writable] });
      const result = await run(
        [
          `ls ${process.cwd()} >/dev/null 2>&1 && echo HOST-VISIBLE`,
          'cat /etc/shadow >/dev/null 2>&1 && echo SHADOW-READ',
          'touch /usr/bin/planted 2>/dev/null && echo SYSTEM-WRITTEN',
          `cat ${readable}/data.txt`,
          `touch ${readable}/x 2>/dev/null && echo RO-WRITTEN`,
          `touch ${writable}/made && echo RW-WRITTEN`,
          'touch sub/inside && echo WS-WRITTEN',
        ].join('; '),
        policy,
      );
      expect(result.output).not.toContain('HOST-VISIBLE');
      expect(result.output).not.toContain('SHADOW-READ');
      expect(result.output).not.toContain('SYSTEM-WRITTEN');
      expect(result.output).toContain('shared data');
      expect(result.output).not.toContain('RO-WRITTEN');
      expect(result.output).toContain('RW-WRITTEN');
      expect(result.output).toContain('WS-WRITTEN');
      expect(existsSync(join(writable, 'made'))).toBe(true);
      expect(existsSync(join(workspace, 'sub', 'inside'))).toBe(true);
    } finally {
      await fs.rm(readable, { recursive: true, force: true });
      await fs.rm(writable, { recursive: true, force: true });
    }
  });
});

describe('sandboxed bash without cgroups (rlimits only)', () => {
  let runner: SandboxRunner;
  let workspace: string;
  beforeAll(async () => {
    const environment = await detectSandboxEnvironment('auto');
    runner = new SandboxRunner({ ...environment, cgroups: null });
    workspace = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-rlimit-')));
  });
  afterAll(async () => {
    await fs.rm(workspace, { recursive: true, force: true });
  });

  it('contains a memory hog by the address-space limit', async () => {
    const policy = freePolicy({ memoryMb: 64 });
    const hog = await runner.run({ command: 'dd if=/dev/zero of=/dev/null bs=300M count=1 2>&1 && echo ALLOCATED', workspace, policy });
    expect(hog.output).not.toContain('ALLOCATED');
    expect(hog.output).toMatch(/memory exhausted|Cannot allocate/);
    const modest = await runner.run({
      command: 'dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null && echo ALLOCATED',
      workspace,
      policy,
    });
    expect(modest.output).toContain('ALLOCATED');
  });
});
