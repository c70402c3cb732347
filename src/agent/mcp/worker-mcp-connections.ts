import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { McpConnections } from '../runtime/mcp/mcp-connections.js';

/**
 * This app's MCP connections, shared by every step its workers run. Nothing is opened at boot
 * (an API-only node never opens any); they close once the workers have stopped
 * (`beforeApplicationShutdown` drains them), so no step loses its server mid-call.
 */
@Injectable()
export class WorkerMcpConnections extends McpConnections implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
