import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Node's request and response under the adapter's: Express's are Node's own, Fastify's wrap them
 * (`request.raw`, `reply.raw`). For the routes that stream or serve bytes (SSE, the dashboard's
 * files, bull-board) and so answer the same on both platforms.
 */
export function rawRequest(request: unknown): IncomingMessage {
  return ((request as { raw?: IncomingMessage }).raw ?? request) as IncomingMessage;
}

/**
 * Takes over the response: from here on the route writes Node's response itself. NOTE: Fastify must
 * be told (`hijack`), or it answers the request again once the handler returns.
 */
export function takeRawResponse(response: unknown): ServerResponse {
  const reply = response as { raw?: ServerResponse; hijack?: () => void };
  if (reply.raw && typeof reply.hijack === 'function') {
    reply.hijack();
    return reply.raw;
  }
  return response as ServerResponse;
}

/** Whether the request came over HTTPS, as the platform sees it (`trust proxy` decides behind a proxy). */
export function isSecure(request: unknown): boolean {
  const r = request as { secure?: boolean; protocol?: string };
  return r.secure ?? r.protocol === 'https';
}
