import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from './system-programs.js';

/** slirp4netns's fixed addresses inside the namespace: the gateway (the host) and its DNS forwarder. */
const SLIRP_DNS = '10.0.2.3';
/**
 * Never reachable from a sandbox: this host's loopback, private and shared ranges (the database,
 * the queue, the app, neighbours on the LAN), link-local (cloud metadata at 169.254.169.254),
 * and multicast/reserved space.
 */
const BLOCKED_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
];
const READY_TIMEOUT_MS = 5_000;
const LOOPBACK_POLL_MS = 2;

/** One running command's network: stop it when the command is done. */
export interface EgressAttachment {
  close(): void;
}

/**
 * "Network on" for a sandbox: the command keeps the network namespace of its own that bubblewrap
 * made (never the host's), and gets a user-mode TCP/IP stack (slirp4netns) for the way out.
 * Before the stack comes up, nftables rules inside that namespace reject everything but the
 * public internet: this host's loopback and addresses, private ranges, link-local and metadata.
 * slirp4netns also refuses the host's loopback itself (`--disable-host-loopback`). Joining the
 * command's namespaces needs root, so a non-root app has no egress (network-on tiers are refused).
 */
export class SandboxEgress {
  private constructor(
    /** A resolv.conf naming slirp's DNS forwarder (the host's own may name a private resolver the rules reject). */
    readonly resolvConf: string,
  ) {}

  /** Egress when this machine can give it (root, slirp4netns, nft, nsenter); otherwise why not. */
  static async detect(): Promise<SandboxEgress | string> {
    if (process.getuid?.() !== 0) return 'needs the app to run as root (to join the command’s network namespace)';
    for (const program of ['slirp4netns', 'nft', 'nsenter']) {
      if (!(await onPath(program))) return `${program} is not installed (Debian: apt-get install slirp4netns nftables util-linux)`;
    }
    const dir = await fs.mkdtemp(join(tmpdir(), 'nestjs-agents-egress-'));
    await fs.chmod(dir, 0o755);
    const resolvConf = join(dir, 'resolv.conf');
    await fs.writeFile(resolvConf, `nameserver ${SLIRP_DNS}\n`, { mode: 0o644 });
    return new SandboxEgress(resolvConf);
  }

  /** Fences and connects the network namespace of the process `pid` (the sandbox, not yet running its command). */
  async attach(pid: number): Promise<EgressAttachment> {
    await loopbackConfigured(pid);
    await runWithInput('nsenter', ['--target', String(pid), '--net', 'nft', '-f', '-'], egressRules());
    const slirp = spawn(
      'slirp4netns',
      [
        '--configure',
        '--mtu=65520',
        '--disable-host-loopback',
        '--enable-sandbox',
        '--enable-seccomp',
        '--ready-fd=3',
        '--exit-fd=4',
        '--netns-type=path',
        `/proc/${pid}/ns/net`,
        'tap0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const attachment: EgressAttachment = {
      close: () => {
        (slirp.stdio[4] as NodeJS.WritableStream | null)?.end();
        slirp.kill('SIGKILL');
      },
    };
    try {
      await ready(slirp);
      return attachment;
    } catch (error) {
      attachment.close();
      throw error;
    }
  }
}

/** The nftables ruleset loaded into the sandbox's namespace. */
export function egressRules(ownAddresses: string[] = hostAddresses()): string {
  const blocked = [...BLOCKED_IPV4, ...ownAddresses].join(', ');
  return [
    'table inet sandbox {',
    '  chain out {',
    '    type filter hook output priority 0; policy accept;',
    '    oifname "lo" accept',
    `    ip daddr ${SLIRP_DNS} meta l4proto { tcp, udp } th dport 53 accept`,
    `    ip daddr { ${blocked} } reject`,
    // slirp4netns is started without IPv6; nothing but the namespace's own loopback speaks it.
    '    meta nfproto ipv6 reject',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** This host's own IPv4 addresses (a public one may front services bound to every interface). */
function hostAddresses(): string[] {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) if (address.family === 'IPv4' && !address.internal) addresses.push(`${address.address}/32`);
  }
  return addresses;
}

/**
 * Resolves once bubblewrap has brought up the namespace's loopback. bwrap reports the pid before its
 * child configures `lo` (the command itself still waits on the block fd), and a ruleset or slirp4netns
 * touching the namespace meanwhile makes that setup fail at random ("loopback: Failed RTM_NEWADDR").
 * The namespace's local routing table names 127.0.0.1 only once `lo` has its address and is up.
 */
async function loopbackConfigured(pid: number): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    const table = await fs.readFile(`/proc/${pid}/net/fib_trie`, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`The sandbox network could not start: the sandbox ended first (${error.code ?? error.message})`);
    });
    if (table.includes('127.0.0.1')) return;
    if (performance.now() > deadline) throw new Error('The sandbox network could not start: its loopback was not up in time');
    await new Promise((resolve) => setTimeout(resolve, LOOPBACK_POLL_MS));
  }
}

function ready(slirp: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    slirp.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`The sandbox network could not start: ${why}${stderr.trim() ? ` (${stderr.trim().split('\n').pop()})` : ''}`));
    };
    const timer = setTimeout(() => fail('slirp4netns was not ready in time'), READY_TIMEOUT_MS);
    (slirp.stdio[3] as NodeJS.ReadableStream).once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    slirp.once('error', (error) => fail(error.message));
    slirp.once('exit', (code) => fail(`slirp4netns exited (${code})`));
  });
}

function runWithInput(file: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`The sandbox network rules could not be set: ${stderr.trim() || `exit ${code}`}`)),
    );
    child.stdin.end(input);
  });
}
