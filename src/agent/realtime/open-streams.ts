import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * Responses that stay open for as long as their run goes on (SSE, chat streams). At shutdown each
 * is ended: the HTTP server waits for every open response before it closes, so one browser tab
 * would otherwise hold the process up. Their clients reconnect, to another node or to this one
 * restarted, and resume where they were (`Last-Event-ID`, the chat's resume).
 */
@Injectable()
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly ends = new Set<() => void>();
  private shuttingDown = false;

  /**
   * `end` is called at shutdown, unless the returned function says the stream ended first; for a
   * stream opened while the server shuts down, right after the caller has set it up.
   */
  add(end: () => void): () => void {
    if (this.shuttingDown) {
      queueMicrotask(end);
      return () => undefined;
    }
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const end of [...this.ends]) end();
    this.ends.clear();
  }
}
