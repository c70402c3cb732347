import { constants } from 'node:fs';
import { promises as fs, type Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { WorkspaceEntryType, type WorkspaceEntry, type WorkspaceFile, type WorkspaceSearch } from '../runtime/tools/workspace-handle.js';
import { isInside, splitWorkspacePath, WorkspaceAccessError } from './workspace-path.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;

/** Decides whether the workspace may grow (or tells it shrank); throws `QuotaExceededError` when not. */
export interface WorkspaceQuotaGuard {
  reserve(deltaBytes: number): Promise<void>;
  /** The filesystem itself ran out (a sized volume is full): throws the quota error. */
  exhausted?(deltaBytes: number): Promise<never>;
}

export interface WorkspaceFilesOptions {
  quota?: WorkspaceQuotaGuard;
  /** Who files and directories made here belong to: the sandboxed commands' user, so they can change them too. */
  owner?: { uid: number; gid: number };
  /**
   * @internal Test seam: runs after a path was resolved and checked and before anything is
   * opened, so a test can swap a directory for a symlink exactly there.
   */
  afterCheck?: (resolved: string) => void | Promise<void>;
}

export const READ_LIMIT_BYTES = 256 * 1024;
const SEARCH_FILE_LIMIT_BYTES = 1024 * 1024;
const SEARCH_MAX_FILES = 5000;
const LIST_MAX_ENTRIES = 1000;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** What a file descriptor really is, according to the kernel (Linux). */
const fdPath = (handle: FileHandle): string => `/proc/self/fd/${handle.fd}`;
const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * File operations confined to one directory.
 *
 * Every path is checked twice. First by name: no absolute paths, no `..` (refused, not cleaned
 * up). Then on disk: the path is resolved with `realpath` and must stay under the root, so a
 * symlink leading out is refused while one staying inside works. The resolved path is then
 * opened one component at a time through the previous component's descriptor
 * (`/proc/self/fd/<dir>/<name>`, the equivalent of `openat`) with `O_NOFOLLOW`, and the
 * descriptor's real path is checked once more: a symlink swapped in after the check makes the open
 * fail instead of following it (no time-of-check/time-of-use gap). Hard-linked files and anything
 * but regular files and directories are refused.
 */
export class WorkspaceFiles {
  constructor(
    /** The workspace directory, already resolved (`realpath`) and existing. */
    readonly root: string,
    private readonly options: WorkspaceFilesOptions = {},
  ) {}

  async read(
    path: string,
    { offset = 0, maxBytes = READ_LIMIT_BYTES }: { offset?: number; maxBytes?: number } = {},
  ): Promise<WorkspaceFile> {
    const parts = await this.resolve(path);
    const handle = await this.openFile(parts, path, O_RDONLY);
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, Math.floor(offset));
      const length = Math.max(0, Math.min(Math.floor(maxBytes), READ_LIMIT_BYTES, size - start));
      const buffer = Buffer.alloc(length);
      const { bytesRead } = length > 0 ? await handle.read(buffer, 0, length, start) : { bytesRead: 0 };
      return { path: parts.join('/'), content: buffer.subarray(0, bytesRead).toString('utf8'), size, truncated: start + bytesRead < size };
    } finally {
      await handle.close();
    }
  }

  async write(path: string, content: string | Uint8Array): Promise<{ path: string; bytes: number }> {
    const parts = await this.resolve(path);
    if (parts.length === 0) throw new WorkspaceAccessError(path, 'that is the workspace directory, not a file');
    const data =
      typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const delta = data.length - (await this.existingSize(parts, path));
    await this.options.quota?.reserve(delta);
    let handle: FileHandle | undefined;
    try {
      // Making the parents can run out of inodes too: inside the try.
      handle = await this.openFile(parts, path, O_WRONLY | O_CREAT, { createParents: true });
      await this.own(handle);
      await handle.truncate(0);
      await handle.writeFile(data);
    } catch (error) {
      const code = errorCode(error);
      if ((code === 'ENOSPC' || code === 'EDQUOT') && this.options.quota?.exhausted) await this.options.quota.exhausted(delta);
      throw error;
    } finally {
      await handle?.close();
    }
    return { path: parts.join('/'), bytes: data.length };
  }

  async list(path = '.'): Promise<WorkspaceEntry[]> {
    const parts = await this.resolve(path);
    const dir = await this.openDir(parts, path);
    try {
      const entries = (await fs.readdir(fdPath(dir), { withFileTypes: true }))
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .slice(0, LIST_MAX_ENTRIES);
      return await Promise.all(
        entries.map(async (entry) => ({
          name: entry.name,
          type: entryType(entry),
          size: entry.isFile() ? (await fs.lstat(`${fdPath(dir)}/${entry.name}`).catch(() => ({ size: 0 }))).size : 0,
        })),
      );
    } finally {
      await dir.close();
    }
  }

  /** Walks the tree under `path` without following symlinks; skips `.git`, `node_modules`, binary and large files. */
  async search(
    query: string,
    { path = '.', regex = false, maxResults = 50 }: { path?: string; regex?: boolean; maxResults?: number } = {},
  ): Promise<WorkspaceSearch> {
    if (typeof query !== 'string' || query.length === 0) throw new Error('The search needs a non-empty query');
    let pattern: RegExp | null = null;
    if (regex) {
      try {
        pattern = new RegExp(query);
      } catch (error) {
        throw new Error(`Invalid regular expression: ${(error as Error).message}`, { cause: error });
      }
    }
    const matches: WorkspaceSearch['matches'] = [];
    const limit = Math.max(1, Math.min(500, Math.floor(maxResults)));
    let filesSeen = 0;
    let truncated = false;
    const pending: string[][] = [await this.resolve(path)];
    walk: while (pending.length > 0) {
      const parts = pending.shift()!;
      const dir = await this.openDir(parts, path);
      try {
        const entries = (await fs.readdir(fdPath(dir), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
        for (const entry of entries) {
          if (entry.isDirectory()) {
            if (!SKIPPED_DIRS.has(entry.name)) pending.push([...parts, entry.name]);
            continue;
          }
          if (!entry.isFile()) continue;
          if (++filesSeen > SEARCH_MAX_FILES) {
            truncated = true;
            break walk;
          }
          const text = await readSmallText(dir, entry.name);
          if (text === null) continue;
          const lines = text.split('\n');
          for (let i = 0; i < lines.length; i++) {
            const line = lines[i]!;
            if (pattern ? !pattern.test(line.slice(0, 2000)) : !line.includes(query)) continue;
            if (matches.length >= limit) {
              truncated = true;
              break walk;
            }
            matches.push({
              path: [...parts, entry.name].join('/'),
              line: i + 1,
              text: line.length > 300 ? `${line.slice(0, 300)}…` : line,
            });
          }
        }
      } finally {
        await dir.close();
      }
    }
    return { matches, truncated };
  }

  /**
   * The path's components after `realpath`, checked to be under the root. A missing tail (a file
   * about to be created) is kept as given; a symlink among the existing components is resolved.
   */
  private async resolve(path: string): Promise<string[]> {
    const parts = splitWorkspacePath(path);
    let existing = parts.length;
    let real: string;
    for (;;) {
      try {
        real = await fs.realpath(join(this.root, ...parts.slice(0, existing)));
        break;
      } catch (error) {
        const code = errorCode(error);
        if ((code === 'ENOENT' || code === 'ENOTDIR') && existing > 0) existing--;
        else if (code === 'ELOOP') throw new WorkspaceAccessError(path, 'symbolic links loop');
        else throw error;
      }
    }
    if (!isInside(this.root, real)) throw new WorkspaceAccessError(path, 'it resolves outside the workspace (a symbolic link leads out)');
    const resolved = [...relative(this.root, real).split('/').filter(Boolean), ...parts.slice(existing)];
    await this.options.afterCheck?.(resolved.join('/'));
    return resolved;
  }

  /** Opens a directory component by component, never following a symlink, creating missing ones when asked. */
  private async openDir(parts: string[], path: string, create = false): Promise<FileHandle> {
    let dir = await fs.open(this.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      for (const part of parts) {
        const at = `${fdPath(dir)}/${part}`;
        if (create) await fs.mkdir(at).catch((error) => (errorCode(error) === 'EEXIST' ? undefined : Promise.reject(error)));
        const next = await fs.open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch((error) => this.refuseLink(error, at, path));
        if (create) {
          await this.own(next).catch(async (error) => {
            await next.close();
            throw error;
          });
        }
        await dir.close();
        dir = next;
      }
      await this.verify(dir, path);
      return dir;
    } catch (error) {
      await dir.close().catch(() => undefined);
      throw error;
    }
  }

  private async openFile(parts: string[], path: string, flags: number, { createParents = false } = {}): Promise<FileHandle> {
    if (parts.length === 0) throw new WorkspaceAccessError(path, 'that is the workspace directory, not a file');
    const dir = await this.openDir(parts.slice(0, -1), path, createParents);
    try {
      const at = `${fdPath(dir)}/${parts[parts.length - 1]}`;
      // O_NONBLOCK: a FIFO must not hang the open; it is refused below like any non-regular file.
      const handle = await fs.open(at, flags | O_NOFOLLOW | O_NONBLOCK, 0o644).catch((error) => this.refuseLink(error, at, path));
      try {
        await this.verify(handle, path);
        const stat = await handle.stat();
        if (!stat.isFile()) throw new WorkspaceAccessError(path, 'not a regular file');
        if (stat.nlink > 1)
          throw new WorkspaceAccessError(path, 'hard-linked files are refused (another name of the file may be outside the workspace)');
        return handle;
      } catch (error) {
        await handle.close();
        throw error;
      }
    } finally {
      await dir.close();
    }
  }

  private async own(handle: FileHandle): Promise<void> {
    const owner = this.options.owner;
    if (owner) await handle.chown(owner.uid, owner.gid);
  }

  /** The kernel's idea of what was opened must still be under the root. */
  private async verify(handle: FileHandle, path: string): Promise<void> {
    const actual = await fs.readlink(fdPath(handle));
    if (!isInside(this.root, actual.replace(/ \(deleted\)$/, ''))) {
      throw new WorkspaceAccessError(path, 'it changed while being opened and now leads outside the workspace');
    }
  }

  /** An `O_NOFOLLOW` open hit a symlink (ELOOP; ENOTDIR for a directory open): it was swapped in after the check. */
  private async refuseLink(error: unknown, at: string, path: string): Promise<never> {
    const code = errorCode(error);
    if (
      code === 'ELOOP' ||
      (code === 'ENOTDIR' &&
        (await fs.lstat(at).then(
          (s) => s.isSymbolicLink(),
          () => false,
        )))
    ) {
      throw new WorkspaceAccessError(path, 'a symbolic link appeared in the path after it was checked');
    }
    throw error;
  }

  private async existingSize(parts: string[], path: string): Promise<number> {
    try {
      const handle = await this.openFile(parts, path, O_RDONLY);
      try {
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 0;
      throw error;
    }
  }
}

function entryType(entry: Dirent): WorkspaceEntryType {
  if (entry.isFile()) return WorkspaceEntryType.File;
  if (entry.isDirectory()) return WorkspaceEntryType.Directory;
  if (entry.isSymbolicLink()) return WorkspaceEntryType.Symlink;
  return WorkspaceEntryType.Other;
}

/** A small, single-link, text file in an open directory, or `null` (skipped). */
async function readSmallText(dir: FileHandle, name: string): Promise<string | null> {
  const handle = await fs.open(`${fdPath(dir)}/${name}`, O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.nlink > 1 || stat.size > SEARCH_FILE_LIMIT_BYTES) return null;
    const buffer = await handle.readFile();
    if (buffer.subarray(0, 8192).includes(0)) return null; // binary
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
