import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Every file under `dir` with its modification time. */
function snapshot(dir: string): Map<string, number> {
  const files = new Map<string, number>();
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) visit(full);
      else files.set(full, statSync(full).mtimeMs);
    }
  };
  visit(dir);
  return files;
}

describe("the example app's commands", () => {
  it('run the existing build when nothing changed: npm run token builds nothing and touches nothing in dist/', async () => {
    // The global setup built and stamped dist/ moments ago; no source changed since.
    const before = snapshot('dist');
    const { stdout } = await run('npm', ['run', 'token', '--silent', '--', '--tenant', 'acme', '--user', 'ada'], { timeout: 60_000 });
    expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/m);
    const after = snapshot('dist');
    expect([...after].filter(([file, mtime]) => before.get(file) !== mtime)).toEqual([]);
    expect(after.size).toBe(before.size);
  });
});
