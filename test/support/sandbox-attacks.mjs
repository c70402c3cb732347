// Runs hostile commands through the built SandboxRunner in this process (started as an
// unprivileged user by the test) and prints what each one achieved as one JSON line.
// argv: <directory holding the built tenancy modules> <workspace> <listener port> <secret> <other tenant's secret file>
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [dir, workspace, port, secret, otherSecretFile] = process.argv.slice(2);
const { detectSandboxEnvironment } = await import(join(dir, 'sandbox-environment.js'));
const { SandboxRunner } = await import(join(dir, 'sandbox-runner.js'));

const environment = await detectSandboxEnvironment('auto');
const runner = new SandboxRunner(environment);
const policy = (network) => ({
  timeoutSeconds: 20,
  network,
  memoryMb: 256,
  maxProcesses: 20,
  blockedCommands: [],
  readablePaths: [],
  writablePaths: [],
  maxOutputBytes: 65536,
});
const run = async (command, network = false) => {
  try {
    return (await runner.run({ command, workspace, policy: policy(network) })).output;
  } catch (error) {
    return `REFUSED: ${error.message}`;
  }
};
const before = readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8');
const results = {
  uid: process.getuid(),
  kind: environment.kind,
  enforcement: environment.enforcement,
  sysctl: await run('echo "$(cat /proc/sys/kernel/core_uses_pid)" > /proc/sys/kernel/core_uses_pid && echo SYSCTL-WRITTEN'),
  sysctlUnchanged: readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8') === before,
  setuid: await run('cp /bin/bash suid-shell && chmod 4755 suid-shell && echo made'),
  reads: await run(`cat ${otherSecretFile}; grep -a -l -r ${secret} /proc/*/environ 2>/dev/null; cat /etc/shadow 2>/dev/null | head -1`),
  loopback: await run(`timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' && echo REACHED`),
  networkOn: await run(`timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' && echo REACHED`, true),
  shm: await run('dd if=/dev/zero of=/dev/shm/fill bs=1M count=1000 2>/dev/null; du -m /dev/shm/fill | cut -f1'),
  daemon: await run('setsid nohup sleep 987.654 >/dev/null 2>&1 & echo started'),
};
// Without namespaces (the host's explicit choice), a daemon still dies with its command.
const unsafe = new SandboxRunner(await detectSandboxEnvironment('unsafe-none'));
results.unsafeDaemon = (
  await unsafe.run({ command: 'setsid nohup sleep 987.655 >/dev/null 2>&1 & echo started', workspace, policy: policy(false) })
).output;
const suid = join(workspace, 'suid-shell');
results.suidFile = existsSync(suid) ? { uid: statSync(suid).uid, mode: statSync(suid).mode } : null;
process.stdout.write(`${JSON.stringify(results)}\n`);
