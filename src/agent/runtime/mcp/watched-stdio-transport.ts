import type { JSONRPCMessage, MCPTransport } from '@ai-sdk/mcp';
import { StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import type { McpStdioServer } from './mcp-server.js';

type SendOptions = Parameters<MCPTransport['send']>[1];

/**
 * The SDK's stdio transport, watched: it tells when the server process is gone (crashed, or
 * stopped by `close()`), so a crashed server is reconnected on next use and closing can wait
 * until the process has really exited rather than only been signalled.
 */
export class WatchedStdioTransport implements MCPTransport {
  readonly supportsProtocolVersionDiscovery: boolean | undefined;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly inner: StdioMCPTransport;
  private gone = false;
  private stopping = false;
  private signalled = false;
  private readonly exitWaiters: Array<() => void> = [];

  constructor(
    server: McpStdioServer,
    private readonly closeTimeoutMs: number,
  ) {
    this.inner = new StdioMCPTransport({
      command: server.command,
      args: server.args,
      env: server.env,
      cwd: server.cwd,
      stderr: server.stderr ?? 'inherit',
    });
    this.supportsProtocolVersionDiscovery = this.inner.supportsProtocolVersionDiscovery;
    // NOTE: the inner transport reports a close twice when we stop it: at once when it signals the
    // process (synchronously, inside its `close()`), and when the process has exited. Only a close
    // outside our `close()` call, or after it returned, means the process is gone.
    this.inner.onclose = () => {
      if (!this.stopping || this.signalled) this.markGone();
      this.onclose?.();
    };
    this.inner.onerror = (error) => this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    this.inner.onmessage = (message) => this.onmessage?.(message);
  }

  /** True once the server process has exited (or never started). */
  get exited(): boolean {
    return this.gone;
  }

  async start(): Promise<void> {
    try {
      await this.inner.start();
    } catch (error) {
      this.markGone();
      throw error;
    }
  }

  send(message: JSONRPCMessage, _options?: SendOptions): Promise<void> {
    return this.inner.send(message);
  }

  /** Stops the process and waits (at most `closeTimeoutMs`) until it has exited. */
  async close(): Promise<void> {
    if (this.gone) return;
    this.stopping = true;
    const closing = this.inner.close();
    this.signalled = true;
    await closing;
    if (this.gone) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.closeTimeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private markGone(): void {
    if (this.gone) return;
    this.gone = true;
    for (const wake of this.exitWaiters.splice(0)) wake();
  }
}
