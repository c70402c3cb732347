import { InvalidRequestError } from '../errors/rate-limited.error.js';

/** A tool approval answered on the client (`addToolApprovalResponse`), as the tool part carries it. */
export interface ApprovalResponse {
  approvalId: string;
  approved: boolean;
  reason?: string;
}

/** What the last message of a chat request asks for: a new turn with the user's text, or decisions on pending tool calls. */
export type ChatAsk = { kind: 'message'; text: string } | { kind: 'approvals'; responses: ApprovalResponse[] };

interface PartLike {
  type?: unknown;
  text?: unknown;
  state?: unknown;
  approval?: { id?: unknown; approved?: unknown; reason?: unknown };
}

/**
 * Reads the last `UIMessage` of a chat request: a user message's text parts make the new turn's
 * message; an assistant message (sent by `useChat` once every approval it asked for is answered)
 * carries the answers in its tool parts (`state: 'approval-responded'`). Anything else is a 400.
 */
export function readChatAsk(messages: unknown[]): ChatAsk {
  const last = messages[messages.length - 1] as { role?: unknown; parts?: unknown } | null;
  if (typeof last !== 'object' || last === null || !Array.isArray(last.parts)) {
    throw new InvalidRequestError('The last message must be a UI message with parts');
  }
  const parts = last.parts as PartLike[];
  if (last.role === 'user') {
    const text = parts
      .filter((p) => p?.type === 'text' && typeof p.text === 'string')
      .map((p) => p.text as string)
      .join('');
    if (text.trim() === '') throw new InvalidRequestError('The last message must have text');
    return { kind: 'message', text };
  }
  if (last.role === 'assistant') {
    const responses = parts
      .filter((p) => p?.state === 'approval-responded' && typeof p.approval?.id === 'string' && typeof p.approval.approved === 'boolean')
      .map((p) => ({
        approvalId: p.approval!.id as string,
        approved: p.approval!.approved as boolean,
        ...(typeof p.approval!.reason === 'string' ? { reason: p.approval!.reason } : {}),
      }));
    if (responses.length === 0) throw new InvalidRequestError('An assistant message must answer a tool approval');
    return { kind: 'approvals', responses };
  }
  throw new InvalidRequestError("The last message's role must be user or assistant");
}
