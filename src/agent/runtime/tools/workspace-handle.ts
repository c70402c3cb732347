/**
 * The execution's workspace as a step sees it (`ctx.workspace`): a directory of its own
 * (`<baseDir>/<tenant>/<execution>`, created on first use), file operations that cannot leave it,
 * and a sandboxed shell under the tier's policy. Paths are relative to the workspace root.
 */
export interface Workspace {
  /** The workspace directory on the host (for trusted agent code; the tools never need it). */
  readonly path: string;
  /** Text of a file (UTF-8), at most `maxBytes` (default 256 KiB) from `offset`. */
  readFile(path: string, options?: { offset?: number; maxBytes?: number }): Promise<WorkspaceFile>;
  /** Creates or replaces a file (and its parent directories); refused over the disk quota. */
  writeFile(path: string, content: string | Uint8Array): Promise<{ path: string; bytes: number }>;
  /** Entries of a directory (default the root), sorted by name. */
  listDir(path?: string): Promise<WorkspaceEntry[]>;
  /** Lines containing `query` (or matching it with `regex: true`) in the files under `path`. */
  searchFiles(query: string, options?: { path?: string; regex?: boolean; maxResults?: number }): Promise<WorkspaceSearch>;
  /**
   * Runs a `bash` command in the workspace under the tier's sandbox policy. Killed (with every
   * process it started) at its timeout and when the step's signal fires; the promise then rejects
   * with the signal's reason.
   */
  bash(command: string, options?: { timeoutSeconds?: number }): Promise<BashResult>;
}

export interface WorkspaceFile {
  path: string;
  content: string;
  /** Size of the whole file in bytes. */
  size: number;
  /** More of the file follows what was read. */
  truncated: boolean;
}

export const WorkspaceEntryType = { File: 'file', Directory: 'directory', Symlink: 'symlink', Other: 'other' } as const;
export type WorkspaceEntryType = (typeof WorkspaceEntryType)[keyof typeof WorkspaceEntryType];

export interface WorkspaceEntry {
  name: string;
  type: WorkspaceEntryType;
  /** Bytes, for files. */
  size: number;
}

export interface WorkspaceSearch {
  matches: Array<{ path: string; line: number; text: string }>;
  /** More matches (or files) were left out. */
  truncated: boolean;
}

export interface BashResult {
  /** `null` when the command was killed (timeout, output limit, signal). */
  exitCode: number | null;
  /** The signal that ended it, if one did (`SIGKILL` after a timeout). */
  signal: string | null;
  /** stdout and stderr interleaved, cut at the policy's `maxOutputBytes` (a note says so). */
  output: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}
