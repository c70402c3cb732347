import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, realpathSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detectSandboxEnvironment,
  IsolationKind,
  SandboxUnavailableError,
  type IsolationMode,
  type SandboxEnvironment,
} from '../../src/agent/workspaces/sandbox-environment.js';
import { sandboxIdentity, type SandboxIdentity } from '../../src/agent/workspaces/sandbox-identity.js';
import { SandboxRunner } from '../../src/agent/workspaces/sandbox-runner.js';
import { WorkspaceVolumes } from '../../src/agent/workspaces/workspace-volumes.js';
import { DEFAULT_TIERS, type SandboxPolicy } from '../../src/agent/tenancy/tier-policy.js';
import { processesWith } from '../support/processes.js';

/**
 * Hostile commands, each one an escape that was possible before: run through the sandbox for
 * every tier and every isolation mode this host supports, each asserting from outside that it failed.
 */
const isRoot = process.getuid?.() === 0;
const TIERS = ['free', 'pro', 'enterprise'] as const;
const marker = () => `${700 + Math.floor(Math.random() * 200)}.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
const PG_SOCKET = '/var/run/postgresql/.s.PGSQL.5432';

interface Listener {
  label: string;
  host: string;
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

async function listen(label: string, host: string): Promise<Listener | null> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  if (!bound) return null;
  return {
    label,
    host,
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A redis-server of the test's own on a free port of loopback (never the machine's shared one). */
async function startRedis(): Promise<{ port: number; process: ChildProcess } | null> {
  if (!existsSync('/usr/bin/redis-server')) return null;
  const probe = await listen('probe', '127.0.0.1');
  const port = probe!.port;
  await probe!.close();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return { port, process: child };
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  child.kill('SIGKILL');
  return null;
}

const modes: Array<{ mode: IsolationMode; namespaced: boolean }> = [
  { mode: 'auto', namespaced: true },
  { mode: IsolationKind.UnsafeNone, namespaced: false },
];

describe.each(modes)('escapes from the sandbox (isolation $mode)', ({ mode, namespaced }) => {
  let environment: SandboxEnvironment;
  let runner: SandboxRunner;
  let base: string;
  let ownWorkspace: string;
  let otherWorkspace: string;
  let own: SandboxIdentity;
  let other: SandboxIdentity;
  let secretHolder: ChildProcess;
  const secret = `secret-${marker()}`;
  const listeners: Listener[] = [];
  let redis: { port: number; process: ChildProcess } | null = null;

  beforeAll(async () => {
    base = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-escapes-')));
    await fs.chmod(base, isRoot ? 0o711 : 0o700);
    environment = await detectSandboxEnvironment(mode, { uids: { first: 1_600_000_000, count: 1000 } });
    runner = new SandboxRunner(environment);
    own = sandboxIdentity('tenant-a', environment.uids);
    other = sandboxIdentity('tenant-b', environment.uids);
    for (const [tenant, identity] of [
      ['tenant-a', own],
      ['tenant-b', other],
    ] as const) {
      await fs.mkdir(join(base, tenant, 'exec'), { recursive: true });
      await fs.chown(join(base, tenant), identity.uid, identity.gid);
      await fs.chmod(join(base, tenant), 0o700);
    }
    ownWorkspace = join(base, 'tenant-a', 'exec');
    otherWorkspace = join(base, 'tenant-b', 'exec');
    await fs.writeFile(join(otherWorkspace, 'secret.txt'), secret);
    await fs.chown(join(otherWorkspace, 'secret.txt'), other.uid, other.gid);
    // A process of the app's own user holding secrets in its environment, as the app does.
    secretHolder = spawn('sleep', ['60'], { env: { JWT_SECRET: secret }, stdio: 'ignore' });
    for (const [label, host] of [
      ['127.0.0.1', '127.0.0.1'],
      ['::1', '::1'],
    ] as const) {
      const listener = await listen(label, host);
      if (listener) listeners.push(listener);
    }
    const address = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (address) {
      const listener = await listen(`this host's address ${address}`, address);
      if (listener) listeners.push(listener);
    }
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    secretHolder?.kill('SIGKILL');
    redis?.process.kill('SIGKILL');
    for (const listener of listeners) await listener.close();
    await fs.rm(base, { recursive: true, force: true });
  });

  const available = () => environment.kind !== IsolationKind.Unavailable;
  const policyOf = (tier: (typeof TIERS)[number], override: Partial<SandboxPolicy> = {}): SandboxPolicy => ({
    ...DEFAULT_TIERS[tier]!.sandbox,
    timeoutSeconds: 20,
    ...override,
  });
  const run = (command: string, policy: SandboxPolicy, signal?: AbortSignal) =>
    runner.run({ command, workspace: ownWorkspace, policy, identity: own, signal });

  describe.each(TIERS)('tier %s', (tier) => {
    it('gets no host root: /proc/sys stays read-only, /etc/shadow unreadable, the system unwritable', async ({ skip }) => {
      if (!available()) skip();
      const before = readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8');
      const result = await run(
        [
          'id -u',
          'echo "$(cat /proc/sys/kernel/core_uses_pid)" > /proc/sys/kernel/core_uses_pid && echo SYSCTL-WRITTEN',
          'echo "|/tmp/x" > /proc/sys/kernel/core_pattern && echo CORE-PATTERN-WRITTEN',
          'cat /etc/shadow >/dev/null 2>&1 && echo SHADOW-READ',
          'touch /usr/bin/planted 2>/dev/null && echo SYSTEM-WRITTEN',
          'grep NoNewPrivs /proc/self/status',
        ].join('; '),
        policyOf(tier),
      );
      expect(result.output).not.toMatch(/SYSCTL-WRITTEN|CORE-PATTERN-WRITTEN|SHADOW-READ|SYSTEM-WRITTEN/);
      if (isRoot) expect(result.output.split('\n')[0]).toBe(String(own.uid));
      expect(result.output.split('\n')[0]).not.toBe('0');
      if (namespaced) expect(result.output).toMatch(/NoNewPrivs:\s+1/);
      expect(readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8')).toBe(before);
      expect(existsSync('/usr/bin/planted')).toBe(false);
    });

    it('leaves no setuid-root file on the host (checked from outside, run by nobody)', async ({ skip }) => {
      if (!available()) skip();
      await run('cp /bin/bash suid-shell && chmod 4755 suid-shell; ls -ln suid-shell', policyOf(tier));
      const path = join(ownWorkspace, 'suid-shell');
      if (existsSync(path)) {
        const stat = statSync(path);
        expect(stat.uid === 0 && (stat.mode & 0o4000) !== 0).toBe(false);
        if (isRoot) {
          let euid: string;
          try {
            euid = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', path, '-p', '-c', 'id -u'], {
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'ignore'],
            }).trim();
          } catch {
            euid = 'refused';
          }
          expect(euid).not.toBe('0');
        }
      }
    });

    it("reads neither another tenant's workspace nor the app's environment", async ({ skip }) => {
      if (!available()) skip();
      const result = await run(
        [
          `cat ${otherWorkspace}/secret.txt`,
          `ls ${join(base, 'tenant-b')}`,
          `cat /proc/${secretHolder.pid}/environ`,
          `grep -a -l -r ${secret} /proc/*/environ 2>/dev/null`,
          // The host path of the workspace, as a command could read it from mountinfo.
          `for p in $(awk '{print $4}' /proc/self/mountinfo); do cat "$p/../../tenant-b/exec/secret.txt" 2>/dev/null; done`,
        ].join('; '),
        policyOf(tier),
      );
      expect(result.output).not.toContain(secret);
    });

    it("reaches none of this host's listeners, PostgreSQL's socket or cloud metadata", async ({ skip }) => {
      if (!available() || !namespaced) skip();
      const targets = [
        ...listeners.map((l) => ({ host: l.host, port: l.port })),
        { host: '127.0.0.1', port: 5432 },
        { host: '10.0.2.2', port: listeners[0]!.port },
        { host: '169.254.169.254', port: 80 },
      ];
      if (redis) targets.push({ host: '127.0.0.1', port: redis.port });
      const before = listeners.map((l) => l.connections());
      const probes = targets.map(
        ({ host, port }) => `timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null && echo "REACHED ${host}:${port}"`,
      );
      const result = await run(
        [...probes, `[ -e ${PG_SOCKET} ] && echo PG-SOCKET-VISIBLE`, 'ls /var/run/postgresql 2>/dev/null && echo PG-DIR-VISIBLE'].join(
          '; ',
        ),
        policyOf(tier),
      );
      expect(result.output).not.toMatch(/REACHED|PG-SOCKET-VISIBLE|PG-DIR-VISIBLE/);
      expect(listeners.map((l) => l.connections())).toEqual(before);
    });

    it('cannot fill the memory through /dev/shm, /tmp or /dev', async ({ skip }) => {
      if (!available() || !namespaced) skip();
      const policy = policyOf(tier);
      const result = await run(
        'for d in /dev/shm /tmp; do dd if=/dev/zero of=$d/fill bs=1M count=2000 2>/dev/null; echo "$d $(du -m $d/fill | cut -f1)"; done; (echo x > /dev/planted) 2>/dev/null && echo DEV-WRITTEN',
        policy,
      );
      for (const line of result.output.split('\n').filter((l) => l.startsWith('/'))) {
        const [, megabytes] = line.split(' ');
        expect(Number(megabytes)).toBeLessThanOrEqual(Math.min(policy.memoryMb / 2, 256));
      }
      expect(result.output).not.toContain('DEV-WRITTEN');
    });

    it('keeps no detached process past its command, with or without a cgroup', async ({ skip }) => {
      if (!available()) skip();
      expect(environment.pidNamespace).toBe(true);
      for (const cgroups of [environment.cgroups, null]) {
        const tag = marker();
        const result = await new SandboxRunner({ ...environment, cgroups }).run({
          command: `setsid nohup sleep ${tag} >/dev/null 2>&1 & (setsid sleep ${tag} &) ; echo started`,
          workspace: ownWorkspace,
          policy: policyOf(tier),
          identity: own,
        });
        expect(result.output).toContain('started');
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(processesWith(`sleep ${tag}`)).toBe(0);
      }
    });
  });

  it('blocklist bypasses reach nothing on a network-off tier (the wall is the namespace)', async ({ skip }) => {
    if (!available() || !namespaced) skip();
    const target = listeners[0]!;
    const url = `http://${target.host}:${target.port}/`;
    const before = target.connections();
    const bypasses = [
      `$(printf curl) -s -m 3 ${url}`,
      `$'\\x63url' -s -m 3 ${url}`,
      `cp /usr/bin/curl ./c 2>/dev/null; ./c -s -m 3 ${url}`,
      `find /usr/bin -name curl -exec {} -s -m 3 ${url} \\;`,
      `python3 -c "import urllib.request;print(urllib.request.urlopen('${url}',timeout=3).read())"`,
      `exec 3<>/dev/tcp/${target.host}/${target.port}`,
    ];
    for (const bypass of bypasses) {
      const result = await run(`${bypass}; echo done`, policyOf('free', { blockedCommands: [] }));
      expect(result.output).not.toMatch(/\bok\b/);
    }
    expect(target.connections()).toBe(before);
  });

  it('brings up every network-on sandbox: its loopback and its egress never race (24 started together)', async ({ skip }) => {
    if (environment.kind !== IsolationKind.Bubblewrap || typeof environment.egress === 'string') skip();
    const results = await Promise.all(Array.from({ length: 24 }, () => run('echo up', policyOf('enterprise'))));
    expect(results.map((r) => r.output.trim())).toEqual(Array.from({ length: 24 }, () => 'up'));
  });

  it('network on reaches the internet (when this host itself does)', async ({ skip }) => {
    if (environment.kind !== IsolationKind.Bubblewrap || typeof environment.egress === 'string') skip();
    const hostReaches = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: 'registry.npmjs.org', port: 443, timeout: 3000 });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
    });
    if (!hostReaches) skip();
    const result = await run("timeout 5 bash -c 'exec 3<>/dev/tcp/registry.npmjs.org/443' && echo REACHED-OUTSIDE", policyOf('enterprise'));
    expect(result.output).toContain('REACHED-OUTSIDE');
  });
});

describe('a sandbox that cannot be had is refused, never weakened', () => {
  it('refuses bash when no isolation is available and none was waived: nothing runs', async () => {
    const environment = await detectSandboxEnvironment('auto');
    const workspace = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-refused-')));
    try {
      const runner = new SandboxRunner({
        ...environment,
        kind: IsolationKind.Unavailable,
        refusal: 'the bash tool is refused: bubblewrap does not work here',
      });
      await expect(runner.run({ command: 'touch ran', workspace, policy: DEFAULT_TIERS.free!.sandbox })).rejects.toThrow(
        SandboxUnavailableError,
      );
      expect(existsSync(join(workspace, 'ran'))).toBe(false);
    } finally {
      await fs.rm(workspace, { recursive: true, force: true });
    }
  });

  it("refuses a network-on tier's command where no egress-only network can be made", async ({ skip }) => {
    const environment = await detectSandboxEnvironment('auto');
    if (environment.kind !== IsolationKind.Bubblewrap) skip();
    const workspace = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-no-egress-')));
    try {
      const runner = new SandboxRunner({ ...environment, egress: 'slirp4netns is not installed' });
      await expect(runner.run({ command: 'touch ran', workspace, policy: DEFAULT_TIERS.enterprise!.sandbox })).rejects.toThrow(
        /network access.*slirp4netns is not installed/,
      );
      expect(existsSync(join(workspace, 'ran'))).toBe(false);
      // A network-off tier still runs.
      const result = await runner.run({ command: 'echo ran', workspace, policy: DEFAULT_TIERS.free!.sandbox });
      expect(result.output).toContain('ran');
    } finally {
      await fs.rm(workspace, { recursive: true, force: true });
    }
  });

  it('refuses the retired modes by name, saying what replaced them', async () => {
    await expect(detectSandboxEnvironment('none' as IsolationMode)).rejects.toThrow(/unsafe-none/);
    await expect(detectSandboxEnvironment('unshare' as IsolationMode)).rejects.toThrow(/bubblewrap/);
  });
});

describe('the disk quota holds while commands run (a sized volume per tenant)', () => {
  const QUOTA = 4 * 1024 * 1024;
  let base: string;
  let volumes: WorkspaceVolumes | string;
  let runner: SandboxRunner;
  let workspace: string;
  let identity: SandboxIdentity;

  beforeAll(async () => {
    base = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-quota-')));
    await fs.chmod(base, 0o711);
    const environment = await detectSandboxEnvironment('auto', { baseDir: base, uids: { first: 1_600_000_000, count: 1000 } });
    volumes = environment.volumes;
    runner = new SandboxRunner(environment);
    identity = sandboxIdentity('tenant-q', environment.uids);
    if (typeof volumes === 'string' || environment.kind === IsolationKind.Unavailable) return;
    expect(await volumes.ensure('tenant-q', QUOTA, identity)).toBe(true);
    workspace = join(base, 'tenant-q', 'exec');
    await fs.mkdir(workspace);
  });
  afterAll(async () => {
    if (typeof volumes !== 'string') await volumes.release();
    await fs.rm(base, { recursive: true, force: true });
  });

  const run = (command: string) =>
    runner.run({ command, workspace, policy: { ...DEFAULT_TIERS.free!.sandbox, timeoutSeconds: 30 }, identity });
  const hostBytes = () => statSync(join(base, '.volumes', 'tenant-q.ext4')).blocks * 512;

  it('dd past the quota stops at it, and the host file stays within it', async ({ skip }) => {
    if (typeof volumes === 'string') skip();
    const result = await run(
      'for i in 1 2 3 4 5; do dd if=/dev/zero of=big$i bs=1M count=3 2>&1 | grep -m1 -o "No space left on device"; done; du -sk .',
    );
    expect(result.output).toMatch(/No space left on device/);
    expect(hostBytes()).toBeLessThanOrEqual(QUOTA);
    const usage = await (volumes as WorkspaceVolumes).usage('tenant-q');
    expect(usage!.bytes).toBeLessThanOrEqual(QUOTA);
    await run('rm -f big*');
  });

  it('20,000 directories and 20,000 empty files run out of inodes, not the host disk', async ({ skip }) => {
    if (typeof volumes === 'string') skip();
    const before = await (volumes as WorkspaceVolumes).usage('tenant-q');
    const result = await run(
      'mkdir d; cd d; made=0; for i in $(seq 1 20000); do mkdir "dir-$i-$(printf %0200d 0)" 2>/dev/null || break; made=$i; done; echo dirs=$made; for i in $(seq 1 20000); do : > "f-$i-$(printf %0200d 0)" 2>/dev/null || break; done; ls | wc -l',
    );
    const dirs = Number(/dirs=(\d+)/.exec(result.output)?.[1]);
    expect(dirs).toBeLessThan(20_000);
    const after = await (volumes as WorkspaceVolumes).usage('tenant-q');
    expect(after!.inodes).toBeGreaterThan(before!.inodes);
    expect(after!.bytes).toBeLessThanOrEqual(QUOTA);
    expect(hostBytes()).toBeLessThanOrEqual(QUOTA);
  }, 60_000);

  it('is mounted nosuid,nodev and owned by the tenant only', async ({ skip }) => {
    if (typeof volumes === 'string') skip();
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .find((line) => line.split(' ')[4] === join(base, 'tenant-q'));
    expect(mount).toMatch(/nosuid/);
    expect(mount).toMatch(/nodev/);
    const stat = statSync(join(base, 'tenant-q'));
    expect(stat.uid).toBe(identity.uid);
    expect(stat.mode & 0o777).toBe(0o700);
  });
});

describe('escapes from the sandbox of an app that does not run as root', () => {
  it('holds as an unprivileged user too: no sysctl, no setuid root, no other files, no loopback, no network-on, no daemons', async ({
    skip,
  }) => {
    const built = ['dist/agent/workspaces', 'dist/src/agent/workspaces'].find((dir) => existsSync(join(dir, 'sandbox-runner.js')));
    if (!isRoot || !built) skip(); // needs root to become another user; the built modules come from the global setup
    // A copy every user can read (the checkout may not be).
    const stage = realpathSync(await fs.mkdtemp(join(tmpdir(), 'sandbox-unprivileged-')));
    const listener = (await listen('loopback', '127.0.0.1'))!;
    const holder = spawn('sleep', ['60'], { env: { JWT_SECRET: 'unprivileged-secret-4711' }, stdio: 'ignore' });
    try {
      await fs.cp(built!, join(stage, 'modules'), { recursive: true });
      await fs.copyFile('test/support/sandbox-attacks.mjs', join(stage, 'attacks.mjs'));
      await fs.mkdir(join(stage, 'workspace'));
      await fs.mkdir(join(stage, 'other'), { mode: 0o700 });
      await fs.writeFile(join(stage, 'other', 'secret.txt'), 'unprivileged-secret-4711');
      await fs.chmod(stage, 0o755);
      await fs.chown(join(stage, 'workspace'), 65534, 65534);
      const output = execFileSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          join(stage, 'attacks.mjs'),
          join(stage, 'modules'),
          join(stage, 'workspace'),
          String(listener.port),
          'unprivileged-secret-4711',
          join(stage, 'other', 'secret.txt'),
        ],
        { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH } },
      );
      const r = JSON.parse(output.trim().split('\n').pop()!);
      expect(r.uid).toBe(65534);
      if (r.kind === 'unavailable') {
        expect(r.sysctl).toMatch(/^REFUSED/);
        return;
      }
      expect(r.kind).toBe('bubblewrap');
      expect(r.sysctl).not.toContain('SYSCTL-WRITTEN');
      expect(r.sysctlUnchanged).toBe(true);
      if (r.suidFile) expect(r.suidFile.uid).not.toBe(0);
      expect(r.reads).not.toContain('unprivileged-secret-4711');
      expect(r.reads).not.toMatch(/root:/);
      expect(r.loopback).not.toContain('REACHED');
      expect(r.networkOn).toMatch(/^REFUSED: .*network access/);
      expect(Number(r.shm.trim())).toBeLessThanOrEqual(128);
      expect(r.daemon).toContain('started');
      expect(listener.connections()).toBe(0);
      expect(processesWith('sleep 987.654')).toBe(0);
      expect(r.unsafeDaemon).toContain('started');
      expect(processesWith('sleep 987.655')).toBe(0);
    } finally {
      holder.kill('SIGKILL');
      await listener.close();
      await fs.rm(stage, { recursive: true, force: true });
    }
  });
});
