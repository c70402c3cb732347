import { jsonSchema, tool, type ToolSet } from 'ai';
import { workspaceOf } from './tool-context.js';

const text = (description: string) => ({ type: 'string', description }) as const;
const integer = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;

/** Reads a file of the execution's workspace. */
export const readFileTool = tool({
  description:
    'Read a text file of your workspace. Paths are relative to the workspace root. Long files come in pieces: pass `offset` to read on.',
  inputSchema: jsonSchema<{ path: string; offset?: number }>({
    type: 'object',
    properties: { path: text('File path relative to the workspace'), offset: integer('Byte offset to start from (default 0)') },
    required: ['path'],
    additionalProperties: false,
  }),
  execute: async ({ path, offset }, options) => {
    const file = await workspaceOf(options).readFile(path, { offset });
    const next = (offset ?? 0) + Buffer.byteLength(file.content);
    return file.truncated ? `${file.content}\n[truncated: ${file.size} bytes in all; read on with offset ${next}]` : file.content;
  },
});

/** Creates or replaces a file (parents included) in the execution's workspace. */
export const writeFileTool = tool({
  description:
    'Create or overwrite a text file in your workspace (parent directories are created). Paths are relative to the workspace root.',
  inputSchema: jsonSchema<{ path: string; content: string }>({
    type: 'object',
    properties: { path: text('File path relative to the workspace'), content: text('The whole new content of the file') },
    required: ['path', 'content'],
    additionalProperties: false,
  }),
  execute: async ({ path, content }, options) => {
    const written = await workspaceOf(options).writeFile(path, content);
    return `Wrote ${written.bytes} bytes to ${written.path}`;
  },
});

/** Lists a directory of the execution's workspace. */
export const listDirTool = tool({
  description: 'List a directory of your workspace (default: its root): names, types and sizes.',
  inputSchema: jsonSchema<{ path?: string }>({
    type: 'object',
    properties: { path: text("Directory path relative to the workspace (default '.')") },
    additionalProperties: false,
  }),
  execute: async ({ path }, options) => workspaceOf(options).listDir(path ?? '.'),
});

/** Searches the text files of the execution's workspace. */
export const searchFilesTool = tool({
  description: 'Search the text files of your workspace for lines containing a string (or matching a regular expression with regex: true).',
  inputSchema: jsonSchema<{ query: string; path?: string; regex?: boolean }>({
    type: 'object',
    properties: {
      query: text('Text to look for'),
      path: text("Directory to search under (default '.')"),
      regex: { type: 'boolean', description: 'Treat the query as a JavaScript regular expression' },
    },
    required: ['query'],
    additionalProperties: false,
  }),
  execute: async ({ query, path, regex }, options) => workspaceOf(options).searchFiles(query, { path, regex }),
});

/** Runs a shell command in the execution's workspace, inside the tier's sandbox. */
export const bashTool = tool({
  description:
    'Run a bash command in your workspace (its working directory), inside a sandbox: limited time, memory and processes, maybe no network, some programs blocked. Output is cut when long.',
  inputSchema: jsonSchema<{ command: string; timeout_seconds?: number }>({
    type: 'object',
    properties: {
      command: text('The bash command line'),
      timeout_seconds: { type: 'integer', minimum: 1, description: 'Stop it sooner than the sandbox limit' },
    },
    required: ['command'],
    additionalProperties: false,
  }),
  execute: async ({ command, timeout_seconds }, options) => {
    const result = await workspaceOf(options).bash(command, { timeoutSeconds: timeout_seconds });
    return { exit_code: result.exitCode, output: result.output, timed_out: result.timedOut, truncated: result.truncated };
  },
});

/**
 * The workspace tools for `defineLlmAgent({ tools })`: `read_file`, `write_file`, `list_dir`,
 * `search_files` and `bash`. Each call works in the workspace of the execution whose step calls it.
 *
 * @example
 * defineLlmAgent({ name: 'coder', model, system: 'You write code in your workspace.', tools: { ...workspaceTools() } });
 * // without a shell:
 * const { bash, ...fileTools } = workspaceTools();
 */
export function workspaceTools() {
  return {
    read_file: readFileTool,
    write_file: writeFileTool,
    list_dir: listDirTool,
    search_files: searchFilesTool,
    bash: bashTool,
  } satisfies ToolSet;
}
