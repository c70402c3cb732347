import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  promises as fs,
  readFileSync,
  realpathSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../src/agent/errors/agent.errors.js';
import { WorkspaceFiles, type WorkspaceQuotaGuard } from '../../src/agent/workspaces/workspace-files.js';
import { WorkspaceAccessError } from '../../src/agent/workspaces/workspace-path.js';

describe('workspace files: confined to the workspace', () => {
  let sandbox: string; // holds the workspace and an "outside" next to it
  let root: string;
  let outside: string;
  let files: WorkspaceFiles;

  beforeEach(async () => {
    sandbox = realpathSync(await fs.mkdtemp(join(tmpdir(), 'workspace-files-')));
    root = join(sandbox, 'workspace');
    outside = join(sandbox, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET');
    files = new WorkspaceFiles(root);
  });
  afterEach(async () => {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it('writes, reads, lists and searches inside', async () => {
    await expect(files.write('src/app.ts', 'export const answer = 42;\n')).resolves.toEqual({ path: 'src/app.ts', bytes: 26 });
    await files.write('README.md', '# demo\nthe answer is here\n');
    expect(readFileSync(join(root, 'src/app.ts'), 'utf8')).toBe('export const answer = 42;\n');
    expect(await files.read('./src//app.ts')).toMatchObject({
      path: 'src/app.ts',
      content: 'export const answer = 42;\n',
      size: 26,
      truncated: false,
    });
    expect(await files.read('src/app.ts', { offset: 7, maxBytes: 5 })).toMatchObject({ content: 'const', truncated: true });
    expect(await files.list()).toEqual([
      { name: 'README.md', type: 'file', size: 26 },
      { name: 'src', type: 'directory', size: 0 },
    ]);
    expect(await files.search('answer')).toEqual({
      matches: [
        { path: 'README.md', line: 2, text: 'the answer is here' },
        { path: 'src/app.ts', line: 1, text: 'export const answer = 42;' },
      ],
      truncated: false,
    });
    expect((await files.search('answer\\s=\\s\\d+', { regex: true })).matches).toHaveLength(1);
  });

  it.each(['../../etc/passwd', '../outside/secret.txt', 'src/../../outside/secret.txt', '/etc/passwd', `${'/'}tmp`])(
    'refuses %j',
    async (path) => {
      await expect(files.read(path)).rejects.toBeInstanceOf(WorkspaceAccessError);
      await expect(files.write(path, 'x')).rejects.toBeInstanceOf(WorkspaceAccessError);
      await expect(files.list(path)).rejects.toBeInstanceOf(WorkspaceAccessError);
    },
  );

  it('refuses a symlink to / and to a file outside, for reading, writing, listing and searching', async () => {
    symlinkSync('/', join(root, 'host-root'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link'));
    symlinkSync(outside, join(root, 'out-dir'));
    await expect(files.read('host-root/etc/passwd')).rejects.toThrow(/outside the workspace/);
    await expect(files.read('secret-link')).rejects.toThrow(/outside the workspace/);
    await expect(files.list('host-root')).rejects.toThrow(/outside the workspace/);
    await expect(files.write('out-dir/planted.txt', 'x')).rejects.toThrow(/outside the workspace/);
    await expect(files.write('secret-link', 'overwritten')).rejects.toThrow(/outside the workspace/);
    expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET');
    // The search walks the workspace without following links.
    await files.write('notes.txt', 'no secret here');
    expect((await files.search('SECRET')).matches).toEqual([]);
  });

  it('refuses a dangling symlink that would create a file outside', async () => {
    symlinkSync(join(outside, 'created-through-link.txt'), join(root, 'dangling'));
    await expect(files.write('dangling', 'x')).rejects.toBeInstanceOf(WorkspaceAccessError);
    expect(existsSync(join(outside, 'created-through-link.txt'))).toBe(false);
  });

  it('follows a symlink that stays inside', async () => {
    await files.write('docs/guide.md', 'inside');
    symlinkSync('docs/guide.md', join(root, 'guide-link.md'));
    symlinkSync('docs', join(root, 'docs-link'));
    expect((await files.read('guide-link.md')).content).toBe('inside');
    expect((await files.read('docs-link/guide.md')).content).toBe('inside');
  });

  it('refuses a directory swapped for a symlink after the check (TOCTOU), reading and writing', async () => {
    mkdirSync(join(outside, 'sub'));
    writeFileSync(join(outside, 'sub', 'secret.txt'), 'TOP SECRET');
    const swap = () => {
      // The path was resolved and checked; now an attacker (a sandboxed command) swaps `sub`.
      renameSync(join(root, 'sub'), join(root, 'sub-old'));
      symlinkSync(join(outside, 'sub'), join(root, 'sub'));
    };
    const racing = new WorkspaceFiles(root, { afterCheck: swap });

    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'secret.txt'), 'harmless');
    await expect(racing.read('sub/secret.txt')).rejects.toThrow(/symbolic link appeared|changed while being opened/);

    await fs.rm(join(root, 'sub'));
    await fs.rm(join(root, 'sub-old'), { recursive: true });
    mkdirSync(join(root, 'sub'));
    await expect(racing.write('sub/planted.txt', 'x')).rejects.toBeInstanceOf(WorkspaceAccessError);
    expect(existsSync(join(outside, 'sub', 'planted.txt'))).toBe(false);

    await fs.rm(join(root, 'sub'));
    await fs.rm(join(root, 'sub-old'), { recursive: true });
    mkdirSync(join(root, 'sub'));
    await expect(racing.list('sub')).rejects.toBeInstanceOf(WorkspaceAccessError);
  });

  it('refuses a file swapped for a symlink after the check', async () => {
    writeFileSync(join(root, 'data.txt'), 'mine');
    const racing = new WorkspaceFiles(root, {
      afterCheck: () => {
        renameSync(join(root, 'data.txt'), join(root, 'data.old'));
        symlinkSync(join(outside, 'secret.txt'), join(root, 'data.txt'));
      },
    });
    await expect(racing.read('data.txt')).rejects.toThrow(/symbolic link appeared/);
  });

  it('refuses hard links (another name of the file may be outside) and non-regular files', async () => {
    linkSync(join(outside, 'secret.txt'), join(root, 'hard.txt'));
    await expect(files.read('hard.txt')).rejects.toThrow(/hard-linked/);
    await expect(files.write('hard.txt', 'overwritten')).rejects.toThrow(/hard-linked/);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET');
    execFileSync('mkfifo', [join(root, 'pipe')]);
    await expect(files.read('pipe')).rejects.toThrow(/not a regular file/); // and does not hang
    await expect(files.read('.')).rejects.toThrow(/workspace directory/);
  });

  it('asks the quota before a write grows the workspace, and refuses past it', async () => {
    let used = 0;
    const limit = 1000;
    const quota: WorkspaceQuotaGuard = {
      reserve: async (delta) => {
        if (delta > 0 && used + delta > limit) throw new QuotaExceededError(used + delta, limit, 'write this file');
        used += delta;
      },
    };
    const limited = new WorkspaceFiles(root, { quota });
    await limited.write('a.txt', 'x'.repeat(600));
    await expect(limited.write('b.txt', 'x'.repeat(600))).rejects.toThrow(/Workspace quota exceeded.*cannot write this file/);
    expect(existsSync(join(root, 'b.txt'))).toBe(false);
    // Replacing a file counts only the difference.
    await limited.write('a.txt', 'x'.repeat(900));
    await limited.write('a.txt', 'x'.repeat(100));
    await limited.write('b.txt', 'x'.repeat(800));
    expect(used).toBe(900);
  });
});
