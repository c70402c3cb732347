import type { ToolSet } from 'ai';
import { LogEventType } from '../log-event-type.js';
import type { StepContext } from '../step-context.js';
import type { McpServers } from './mcp-server.js';

/**
 * The tools a step takes from its agent's MCP servers, through the worker's connections. A
 * server that cannot be reached is logged (its name and why) and left out of this step; the next
 * step tries it again.
 */
export async function mcpToolsForStep(ctx: StepContext, servers: McpServers): Promise<ToolSet> {
  if (!ctx.mcp) {
    throw new Error(`Agent "${ctx.agentType}" declares MCP servers, but this step has no MCP connections: run it through AgentModule`);
  }
  const { tools, connected, unavailable } = await ctx.mcp.toolsFor(ctx.agentType, servers);
  for (const server of connected) ctx.log.info(`Connected to MCP server "${server}"`, { server }, LogEventType.McpServerConnected);
  for (const { server, error } of unavailable) ctx.log.warning(error, { server, error }, LogEventType.McpServerUnavailable);
  return tools;
}
