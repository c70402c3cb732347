import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface RedisCluster {
  /** `redis://127.0.0.1:<port>` of each master. */
  nodes: string[];
  /** The library's `redis` option for this cluster. */
  options: { cluster: { nodes: string[] } };
  /** The example app's environment for this cluster (`REDIS_CLUSTER_NODES`). */
  env: { REDIS_CLUSTER_NODES: string };
  /** SIGKILLs the server of one node (a URL of `nodes`), as a crash would. */
  kill(node: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters (no replicas) on free loopback ports: `redis-server
 * --cluster-enabled yes` child processes, each in a temporary directory of its own, joined by
 * `redis-cli --cluster create`. Resolves once every node reports `cluster_state:ok` and knows every
 * other; `stop()` kills the servers and removes the directories. The cluster bus gets a free port
 * of its own (`--cluster-port`, Redis ≥ 7) rather than the default port + 10000, which may lie past
 * 65535 or be taken.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const servers: { port: number; dir: string; child: ChildProcess; output: () => string }[] = [];
  const killAll = () =>
    servers.forEach((s) => {
      s.child.kill('SIGKILL');
      rmSync(s.dir, { recursive: true, force: true });
    });
  // NOTE: a test process that exits without stop() must not leave servers or directories behind.
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    await Promise.all(
      servers.map(async ({ child, dir }) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      }),
    );
  };
  try {
    const ports = await distinctFreePorts(masters * 2);
    for (let i = 0; i < masters; i++) {
      const [port, busPort] = [ports[2 * i]!, ports[2 * i + 1]!];
      const dir = await mkdtemp(join(tmpdir(), 'agents-redis-cluster-'));
      // prettier-ignore
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-port', String(busPort),
        '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
      ];
      const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (error) => (output += String(error)));
      servers.push({ port, dir, child, output: () => output });
    }
    for (const server of servers) await until(`redis-server on ${server.port}`, server, () => cli(server.port, 'ping'), /PONG/);
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    for (const server of servers) {
      await until(
        `cluster state on ${server.port}`,
        server,
        () => cli(server.port, 'cluster', 'info'),
        (info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${masters}`),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = servers.map((s) => `redis://127.0.0.1:${s.port}`);
  const kill = async (node: string) => {
    const { child } = servers[nodes.indexOf(node)]!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  return { nodes, options: { cluster: { nodes } }, env: { REDIS_CLUSTER_NODES: nodes.join(',') }, kill, stop };
}

const cli = async (port: number, ...command: string[]): Promise<string> =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command], { timeout: 5_000 })).stdout;

/** Polls `probe` until its answer matches, within 30 s; a server that exited fails at once, with its output. */
async function until(
  what: string,
  server: { child: ChildProcess; output: () => string },
  probe: () => Promise<string>,
  expected: RegExp | ((answer: string) => boolean),
): Promise<void> {
  const matches = typeof expected === 'function' ? expected : (answer: string) => expected.test(answer);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${what}: redis-server exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.output()}`);
    }
    const last = await probe().catch((error: Error) => error.message);
    if (matches(last)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within 30 s (last answer: ${last.trim()})\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
