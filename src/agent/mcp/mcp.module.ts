import { Module } from '@nestjs/common';
import { WorkerMcpConnections } from './worker-mcp-connections.js';

/** The connections to the MCP servers LLM agents declare (`defineLlmAgent({ mcpServers })`). */
@Module({
  providers: [WorkerMcpConnections],
  exports: [WorkerMcpConnections],
})
export class McpModule {}
