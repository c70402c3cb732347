import { createMCPClient, MCPClientError, type ListToolsResult, type MCPClient, type MCPClientConfig } from '@ai-sdk/mcp';
import type { Tool, ToolExecutionOptions, ToolSet } from 'ai';
import { isStdioServer, McpDefaults, toolPrefixOf, type McpServerConfig } from './mcp-server.js';
import { WatchedStdioTransport } from './watched-stdio-transport.js';

/** One live conversation with a server: the client, what it listed, and whether it still works. */
interface McpSession {
  client: MCPClient;
  /** Set for stdio: tells when the process is gone. */
  process: WatchedStdioTransport | null;
  /** The SDK's tools for what the server listed, under the server's own names. */
  tools: ToolSet;
  broken: boolean;
}

/** What a step gets from one server: its tools under the names the model sees, and whether this step opened it. */
export interface McpServerTools {
  tools: ToolSet;
  connected: boolean;
}

/** A failure of one MCP server, with its name in the message (it goes to the model and to the logs as is). */
export class McpServerError extends Error {
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(`MCP server "${server}" ${message}`);
    this.name = 'McpServerError';
  }
}

type SdkExecute = (input: unknown, options: ToolExecutionOptions<unknown>) => Promise<unknown>;

/**
 * The connection to one MCP server, opened on first use and kept: every step of every execution
 * on this worker that needs the server shares it. A server that crashed, or a connection that
 * failed below the protocol (HTTP 5xx, a lost session), is opened again on next use. Tool calls
 * carry the step's abort signal, so a force kill abandons an in-flight call at once.
 */
export class McpConnection {
  private connecting: Promise<McpSession> | null = null;
  private live: McpSession | null = null;
  private closed = false;
  private readonly closings = new Set<Promise<void>>();

  constructor(
    readonly name: string,
    private readonly server: McpServerConfig,
  ) {}

  /** The server's tools as the model sees them (prefixed), opening the connection when there is none. */
  async tools(): Promise<McpServerTools> {
    const reused = this.usable();
    const { session, opened } = reused ? { session: reused, opened: false } : await this.open();
    const prefix = toolPrefixOf(this.name, this.server);
    const tools = Object.fromEntries(
      Object.entries(session.tools).map(([mcpName, tool]) => [`${prefix}${mcpName}`, this.guarded(mcpName, tool, session)]),
    );
    return { tools, connected: opened };
  }

  /** Closes the connection (a stdio server is stopped and waited for) and refuses to open another. */
  async close(): Promise<void> {
    this.closed = true;
    const session = this.live ?? (await this.connecting?.catch(() => null)) ?? null;
    this.live = null;
    if (session) this.retire(session);
    await Promise.all(this.closings);
  }

  private usable(): McpSession | null {
    const session = this.live;
    if (!session) return null;
    if (!session.broken && !session.process?.exited) return session;
    this.live = null;
    this.retire(session);
    return null;
  }

  /** Joins the connection being opened, or opens one (`opened`: this caller did, so its step says so). */
  private async open(): Promise<{ session: McpSession; opened: boolean }> {
    if (this.closed) throw new McpServerError(this.name, 'is closed: the worker is shutting down');
    if (this.connecting) return { session: await this.connecting, opened: false };
    this.connecting = this.connect().then(
      (session) => {
        this.connecting = null;
        if (this.closed) {
          this.retire(session);
          throw new McpServerError(this.name, 'is closed: the worker is shutting down');
        }
        this.live = session;
        return session;
      },
      (error: unknown) => {
        this.connecting = null;
        throw error;
      },
    );
    return { session: await this.connecting, opened: true };
  }

  private async connect(): Promise<McpSession> {
    const timeout = this.server.connectTimeoutMs ?? McpDefaults.connectTimeoutMs;
    const stdio = isStdioServer(this.server) ? new WatchedStdioTransport(this.server, McpDefaults.closeTimeoutMs) : null;
    let session: McpSession | null = null;
    const transport: MCPClientConfig['transport'] = stdio ?? {
      type: 'http',
      url: (this.server as { url: string }).url,
      headers: (this.server as { headers?: Record<string, string> }).headers,
      // A server that lost our session (restarted) answers 404: open a new one on next use.
      onSessionExpired: () => {
        if (session) session.broken = true;
      },
    };
    let client: MCPClient | null = null;
    try {
      client = await createMCPClient({
        transport,
        clientName: 'nestjs-agents',
        initializationOptions: { timeout },
        // Notifications this client does not handle (logging, progress) are not failures.
        onUncaughtError: () => undefined,
      });
      const listed = await this.listAll(client, timeout);
      session = { client, process: stdio, tools: client.toolsFromDefinitions(listed) as ToolSet, broken: false };
      return session;
    } catch (error) {
      // A process that started but never answered is stopped, not left behind.
      if (client) await client.close().catch(() => undefined);
      else await stdio?.close().catch(() => undefined);
      throw new McpServerError(this.name, `could not be reached: ${reasonOf(error)}`);
    }
  }

  private async listAll(client: MCPClient, timeout: number): Promise<ListToolsResult> {
    const tools: ListToolsResult['tools'] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools({ params: cursor ? { cursor } : undefined, options: { timeout } });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const allowed = this.server.tools;
    return { tools: allowed ? tools.filter((t) => allowed.includes(t.name)) : tools };
  }

  /** The SDK's tool, whose failures name the server, whose calls have a time bound, and which marks a broken connection. */
  private guarded(mcpName: string, tool: Tool, session: McpSession): Tool {
    const execute = tool.execute as SdkExecute;
    const callTimeout = this.server.callTimeoutMs ?? McpDefaults.callTimeoutMs;
    return {
      ...tool,
      execute: async (input: unknown, options: ToolExecutionOptions<unknown>) => {
        const stepSignal = options.abortSignal;
        const timeout = AbortSignal.timeout(callTimeout);
        const abortSignal = stepSignal ? AbortSignal.any([stepSignal, timeout]) : timeout;
        let result: unknown;
        try {
          result = await execute(input, { ...options, abortSignal });
        } catch (error) {
          if (stepSignal?.aborted) throw stepSignal.reason ?? error;
          if (timeout.aborted) throw new McpServerError(this.name, `did not answer "${mcpName}" within ${callTimeout} ms`);
          // A JSON-RPC error (bad arguments, unknown tool) leaves the connection sound; anything else does not.
          if (!(MCPClientError.isInstance(error) && error.code !== undefined)) session.broken = true;
          throw new McpServerError(this.name, `failed in "${mcpName}": ${reasonOf(error)}`);
        }
        if ((result as { isError?: boolean }).isError) {
          throw new McpServerError(this.name, `tool "${mcpName}" reported an error: ${textOf(result)}`);
        }
        return result;
      },
    } as Tool;
  }

  /** Closes a session in the background; `close()` waits for every one still closing. */
  private retire(session: McpSession): void {
    // Bounded: closing an HTTP session is a request, and a hung server would hang the shutdown.
    const closing = withTimeout(session.client.close(), McpDefaults.closeTimeoutMs)
      .catch(() => undefined)
      .finally(() => this.closings.delete(closing));
    this.closings.add(closing);
  }
}

const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
};

/** The text parts of a tool's result, which is where servers put their error messages. */
const textOf = (result: unknown): string => {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  const text = content
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
  return text || JSON.stringify(result);
};

const withTimeout = (work: Promise<void>, ms: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
