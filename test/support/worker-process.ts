import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the worker logged that it is ready. */
  ready: Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The example app's worker entry (`npm run start:worker`, built by the global setup) in a child process. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  return startEntryProcess('worker.js', 'Worker process ready', env);
}

/** The example app's whole entry (`npm start`: API and workers) in a child process; give it a `PORT`. */
export function startAppProcess(env: Record<string, string>): WorkerProcess {
  return startEntryProcess('main.js', 'API listening on', env);
}

function startEntryProcess(entry: string, readyText: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [resolve('dist/src', entry)], {
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolveReady, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) resolveReady();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${output}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    output: () => output,
    ready,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
