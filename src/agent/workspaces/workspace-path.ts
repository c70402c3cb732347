/** A workspace path was refused: it would leave the workspace, or is not something the tools open. */
export class WorkspaceAccessError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Refused '${path}': ${reason}`);
    this.name = 'WorkspaceAccessError';
  }
}

/**
 * The components of a path relative to the workspace root, checked without touching the disk:
 * absolute paths, `..` anywhere and NUL bytes are refused (not normalised away), `.` and empty
 * components are dropped. `[]` is the root itself.
 */
export function splitWorkspacePath(path: string): string[] {
  if (typeof path !== 'string') throw new WorkspaceAccessError(String(path), 'the path must be a string');
  if (path.includes('\0')) throw new WorkspaceAccessError(path.replace(/\0/g, '\\0'), 'NUL bytes are not allowed in paths');
  if (path.startsWith('/')) throw new WorkspaceAccessError(path, 'absolute paths are not allowed: give a path relative to the workspace');
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new WorkspaceAccessError(path, "'..' is not allowed: paths stay inside the workspace");
  return parts;
}

/** Is `candidate` (an absolute, resolved path) the root itself or inside it? */
export const isInside = (root: string, candidate: string): boolean =>
  candidate === root || candidate.startsWith(root.endsWith('/') ? root : `${root}/`);

/**
 * A tenant or execution id as one directory name: kept when it is a plain name, otherwise
 * percent-encoded (so `a/b` or `..` can never become a path).
 */
export function workspaceSegment(id: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/.test(id)) return id;
  const encoded = encodeURIComponent(id).replace(/\./g, '%2E').slice(0, 200);
  return encoded.length > 0 ? `~${encoded}` : '~';
}
