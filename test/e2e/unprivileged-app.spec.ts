import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** Can `nobody` read the built app (the checkout may sit in a private folder)? */
function readableByNobody(): boolean {
  try {
    execFileSync(
      'setpriv',
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        process.execPath,
        '-e',
        `require('node:fs').accessSync(${JSON.stringify(resolve('dist/src/main.js'))})`,
      ],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}

/** The built example app as `nobody`, in `cwd`; resolves when it listens or exits. */
async function startAsNobody(
  cwd: string,
  env: Record<string, string>,
): Promise<{ listening: boolean; code: number | null; output: string; printedSince: () => string; stop: () => Promise<void> }> {
  const child = spawn(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, resolve('dist/src/main.js')],
    {
      cwd,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const listening = await new Promise<boolean>((done) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/API listening on/.test(output)) done(true);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => done(false));
  });
  const code = listening ? null : (await exited)[0];
  const atListen = output.length;
  return {
    listening,
    code,
    output,
    /** What the app printed after the chunk that held its listen line. */
    printedSince: () => output.slice(atListen),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

describe('the built app as an unprivileged user in a folder root owns (as the image runs it)', { timeout: 60_000 }, () => {
  let db: TestDatabase;
  let cwd: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    cwd = mkdtempSync(join(tmpdir(), 'root-owned-app-'));
    chmodSync(cwd, 0o755);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  const env = async () => ({
    DATABASE_URL: db.url,
    AGENTS_TRANSPORT: 'postgres',
    AGENTS_QUEUE_PREFIX: uniquePrefix(),
    PORT: String(await freePort()),
    JWT_SECRET: 'a-test-secret-that-is-long-enough',
  });

  it('refuses to boot with a message naming the directory when it cannot write its workspaces', async ({ skip }) => {
    if (!isRoot || !readableByNobody()) skip();
    const app = await startAsNobody(cwd, await env());
    await app.stop();
    expect(app.listening).toBe(false);
    expect(app.code).not.toBe(0);
    expect(app.output).toContain(
      `workspaces.baseDir '${join(cwd, '.data/workspaces')}' cannot be used (EACCES) by this process (uid ${NOBODY})`,
    );
  });

  it('boots and runs an execution when its one writable place is prepared, as the image does', async ({ skip }) => {
    if (!isRoot || !readableByNobody()) skip();
    mkdirSync(join(cwd, '.data/workspaces'), { recursive: true });
    chownSync(join(cwd, '.data'), NOBODY, NOBODY);
    chownSync(join(cwd, '.data/workspaces'), NOBODY, NOBODY);
    const started = await env();
    const app = await startAsNobody(cwd, started);
    try {
      expect(app.listening).toBe(true);
      // The listen line is the boot's last: nothing follows it until there is work.
      await new Promise((r) => setTimeout(r, 500));
      expect(app.output.trimEnd().split('\n').at(-1)).toMatch(/API listening on/);
      expect(app.printedSince()).toBe('');
      const base = `http://127.0.0.1:${started.PORT}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const token = execFileSync(process.execPath, [resolve('dist/src/token.js'), '--tenant', 'acme', '--user', 'ada'], {
        env: { ...process.env, JWT_SECRET: started.JWT_SECRET },
        encoding: 'utf8',
      }).trim();
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = await fetch(`${base}/api/agents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ agent_type: 'steps', input: { steps: 2 } }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      let status = '';
      for (
        const deadline = Date.now() + 20_000;
        Date.now() < deadline && status !== 'completed';
        await new Promise((r) => setTimeout(r, 100))
      ) {
        status = ((await (await fetch(`${base}/api/agents/${id}`, { headers })).json()) as { status: string }).status;
      }
      expect(status).toBe('completed');
    } finally {
      await app.stop();
    }
  });
});
