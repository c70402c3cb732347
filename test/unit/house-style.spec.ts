import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Runs a dev tool's CLI as `npm run lint` / `npm run format:check` do; resolves to its output when it fails. */
async function problemsOf(bin: string, args: string[]): Promise<string | null> {
  try {
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', bin), ...args], { cwd: REPO_ROOT, maxBuffer: 32 * 1024 * 1024 });
    return null;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`.trim() || String(error);
  }
}

// NOTE: the whole tree, as a developer runs them; each takes a few seconds.
describe.concurrent('house style', () => {
  it('ESLint finds no problem (npm run lint)', async () => {
    const problems = await problemsOf('eslint/bin/eslint.js', ['.', '--max-warnings=0']);
    if (problems) expect.fail(`\n${problems}`);
  }, 180_000);

  it('every file is formatted by Prettier (npm run format fixes it)', async () => {
    const problems = await problemsOf('prettier/bin/prettier.cjs', ['--list-different', '.']);
    if (problems) expect.fail(`These files are not formatted by Prettier (npm run format):\n${problems}`);
  }, 180_000);
});
