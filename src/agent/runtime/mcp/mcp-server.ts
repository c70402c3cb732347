/** A server the agent starts itself and talks to over its stdin and stdout. */
export interface McpStdioServer {
  command: string;
  args?: string[];
  /** Added to a small inherited set (`PATH`, `HOME`, `USER`, `SHELL`, `TERM`, `LOGNAME`): the rest of the worker's environment is not passed on. */
  env?: Record<string, string>;
  cwd?: string;
  /** Where the server's stderr goes: the worker's own stderr (default) or nowhere. */
  stderr?: 'inherit' | 'ignore';
}

/** A server already running somewhere, reached over streamable HTTP. */
export interface McpHttpServer {
  url: string;
  headers?: Record<string, string>;
}

/** How long the library waits for a server, and what its tools are called. Every field is optional. */
export interface McpServerSettings {
  /** Starting the server (or reaching it) and its handshake; default 10 s. */
  connectTimeoutMs?: number;
  /** One tool call, on top of the step's own signal; default 5 min. */
  callTimeoutMs?: number;
  /** Put before each tool's name as the model sees it; default `<server name>__` (`files__read_file`). */
  toolPrefix?: string;
  /** Only these tools (their names on the server) are offered; default all. */
  tools?: string[];
}

export type McpServerConfig = (McpStdioServer | McpHttpServer) & McpServerSettings;

/** The MCP servers an LLM agent takes tools from, by name. */
export type McpServers = Record<string, McpServerConfig>;

export const McpDefaults = { connectTimeoutMs: 10_000, callTimeoutMs: 300_000, closeTimeoutMs: 5_000 } as const;

export const isStdioServer = (server: McpServerConfig): server is McpStdioServer & McpServerSettings => 'command' in server;

export const toolPrefixOf = (name: string, server: McpServerConfig): string => server.toolPrefix ?? `${name}__`;

// Tool names providers accept (OpenAI: ^[a-zA-Z0-9_-]+$); the server's name becomes part of them.
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;

/** Refuses a declaration that could never work, when the agent is defined (so at boot), naming the server. */
export function checkMcpServers(agentName: string, servers: McpServers): void {
  for (const [name, server] of Object.entries(servers)) {
    const where = `Agent "${agentName}", MCP server "${name}"`;
    if (!SERVER_NAME.test(name)) throw new Error(`${where}: the name may hold only letters, digits, "_" and "-"`);
    const hasCommand = typeof (server as Partial<McpStdioServer>).command === 'string';
    const hasUrl = typeof (server as Partial<McpHttpServer>).url === 'string';
    if (hasCommand === hasUrl) throw new Error(`${where}: give either \`command\` (stdio) or \`url\` (streamable HTTP)`);
    if (hasUrl && !/^https?:\/\//.test((server as McpHttpServer).url)) throw new Error(`${where}: \`url\` must be http(s)`);
    for (const key of ['connectTimeoutMs', 'callTimeoutMs'] as const) {
      const value = server[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`${where}: \`${key}\` must be a positive number`);
    }
  }
}
