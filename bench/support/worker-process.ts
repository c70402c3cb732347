import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { within } from './deferred.js';

export interface WorkerBuild {
  /** The worker entry to run. */
  entry: string;
  remove(): Promise<void>;
}

/**
 * A private copy of the example app's build (`dist/src`, just compiled by the bench script) and of
 * the library's (`dist/agent`) for the worker processes: on a shared checkout, someone else's
 * build may rewrite or delete `dist` while the bench runs, and a worker started later would run
 * other code than the API in this process. Kept under `node_modules/.cache` so the app's imports
 * still resolve from the project's `node_modules`; its own package.json makes the copy ESM and
 * names it `nestjs-agents`, so the app's `import … from 'nestjs-agents'` reaches the copied library.
 */
export async function snapshotWorkerBuild(): Promise<WorkerBuild> {
  const source = resolve('dist/src');
  await access(join(source, 'worker.js'));
  const root = resolve('node_modules/.cache/nestjs-agents-bench', randomBytes(5).toString('hex'));
  await mkdir(root, { recursive: true });
  const manifest = { name: 'nestjs-agents', type: 'module', private: true, exports: { '.': './agent/index.js' } };
  await writeFile(join(root, 'package.json'), `${JSON.stringify(manifest)}\n`);
  await cp(source, join(root, 'src'), { recursive: true });
  await cp(resolve('dist/agent'), join(root, 'agent'), { recursive: true });
  return { entry: join(root, 'src/worker.js'), remove: () => rm(root, { recursive: true, force: true }) };
}

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Resolves when the worker logged that it is ready; rejects if it exits first. */
  ready: Promise<void>;
  /** The last lines the worker printed (for a failure report). */
  tail(): string;
  /** SIGKILL: returns once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (clean shutdown: steps finish or checkpoint), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const READY_LINE = 'Worker process ready';
const TAIL_LINES = 200;

/**
 * The example app's worker entry (`dist/src/worker.js` built by the bench script, or its
 * snapshot) in a child process, as `npm run start:worker` runs it. Its output never reaches the bench's stdout: its
 * warnings and errors are forwarded to `report` (stderr), the rest is kept for a failure report.
 */
export function startWorkerProcess(entry: string, env: Record<string, string>, report: (line: string) => void): WorkerProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', entry], {
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => undefined);
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (line.includes(READY_LINE)) resolveReady();
      if (/\b(WARN|ERROR)\b/.test(line)) report(`[worker ${child.pid}] ${line.trim()}`);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', (code, signal) =>
    rejectReady(new Error(`Worker ${child.pid} exited (${signal ?? code}) before it was ready:\n${lines.join('\n')}`)),
  );
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (exited()) return;
    const gone = once(child, 'exit');
    child.kill(signal);
    await gone;
  };
  const readyInTime = within(ready, 60_000, `worker ${child.pid} to be ready`);
  readyInTime.catch(() => undefined); // observed by whoever awaits `ready`
  return {
    pid: child.pid!,
    child,
    ready: readyInTime,
    tail: () => lines.join('\n'),
    kill: () => signalAndWait('SIGKILL'),
    async stop(graceMs = 15_000) {
      if (exited()) return;
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      try {
        await within(gone, graceMs, `worker ${child.pid} to shut down`);
      } catch {
        report(`[worker ${child.pid}] did not stop within ${graceMs} ms of SIGTERM: SIGKILL`);
        await signalAndWait('SIGKILL');
      }
    },
  };
}
