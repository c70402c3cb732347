import type { ToolSet } from 'ai';
import { McpConnection, McpServerError } from './mcp-connection.js';
import type { McpServers } from './mcp-server.js';

/** What one step gets from its agent's MCP servers. */
export interface McpStepTools {
  tools: ToolSet;
  /** Servers this step had to open (the first use on this worker, or after a crash). */
  connected: string[];
  /** Servers that could not be reached: their tools are missing from this step. */
  unavailable: Array<{ server: string; error: string }>;
}

/** Where a step takes its MCP tools from: the worker's connections (see `StepContext.mcp`). */
export interface McpToolSource {
  toolsFor(agentType: string, servers: McpServers): Promise<McpStepTools>;
}

/**
 * The MCP connections of one worker process (one app): one per agent type and server name,
 * opened lazily by the first step that needs it and shared by every later step. `close()` ends
 * them all and refuses new ones.
 */
export class McpConnections implements McpToolSource {
  private readonly connections = new Map<string, McpConnection>();
  private closed = false;

  async toolsFor(agentType: string, servers: McpServers): Promise<McpStepTools> {
    const result: McpStepTools = { tools: {}, connected: [], unavailable: [] };
    const answers = await Promise.all(
      Object.entries(servers).map(([name, server]) =>
        Promise.resolve()
          .then(() => this.connection(agentType, name, server).tools())
          .then(
            (tools) => ({ name, ...tools, error: null }),
            (error: unknown) => ({ name, tools: {}, connected: false, error: error instanceof Error ? error.message : String(error) }),
          ),
      ),
    );
    // In declaration order, whichever server answered first: the model sees the same tool list every step.
    for (const { name, tools, connected, error } of answers) {
      Object.assign(result.tools, tools);
      if (connected) result.connected.push(name);
      if (error !== null) result.unavailable.push({ server: name, error });
    }
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  private connection(agentType: string, name: string, server: McpServers[string]): McpConnection {
    if (this.closed) throw new McpServerError(name, 'is closed: the worker is shutting down');
    const key = `${agentType}\u0000${name}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = new McpConnection(name, server);
      this.connections.set(key, connection);
    }
    return connection;
  }
}
