/** The cookie that opens bull-board: a realtime token (signed, expiring), readable by no script. */
export const DASHBOARD_COOKIE = 'agents_dashboard';

export interface CookieSettings {
  /** The dashboard's path: the browser sends the cookie there and nowhere else. */
  path: string;
  maxAgeSeconds: number;
  /** Over HTTPS (as Express sees it: `trust proxy` decides behind a proxy). */
  secure: boolean;
}

/** `Set-Cookie` for a session, or (with an empty value and no age) for clearing it. */
export function sessionCookie(value: string, { path, maxAgeSeconds, secure }: CookieSettings): string {
  return [
    `${DASHBOARD_COOKIE}=${value}`,
    `Path=${path}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    // NOTE: Strict, so no other site can make the browser send it (bull-board is read-only anyway).
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** The session cookie's value from a `Cookie` header, if any. */
export function readSessionCookie(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === DASHBOARD_COOKIE) return part.slice(at + 1).trim() || null;
  }
  return null;
}
