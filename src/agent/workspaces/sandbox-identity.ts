import { createHash } from 'node:crypto';

/** Host uids handed to sandboxed commands when the app runs as root: `first` … `first + count - 1`. */
export interface SandboxUidRange {
  first: number;
  count: number;
}

/**
 * Far above the ranges distributions hand to people (1000+), to system services and to rootless
 * containers (`/etc/subuid` ranges start at 100000 and grow by 65536): no file on a normal host is
 * owned by one of these, so a sandboxed command owns nothing but its own workspace.
 */
export const DEFAULT_SANDBOX_UIDS: SandboxUidRange = { first: 1_500_000_000, count: 1_000_000 };

/** The host user and group a command runs as. */
export interface SandboxIdentity {
  uid: number;
  gid: number;
  /** false: the app's own uid (a non-root app cannot switch to another). */
  switched: boolean;
}

/**
 * Who a tenant's commands run as. A root app gives each tenant an unprivileged uid of its own
 * (derived from the tenant id, so every node and every restart agrees without a table), never
 * host root: files a command leaves behind (setuid bits included) belong to that uid, and
 * `/proc/sys` and everything else root owns stays out of reach. A non-root app cannot change
 * uid; its commands keep the app's uid, inside a user namespace.
 */
export function sandboxIdentity(
  tenantSegment: string,
  range: SandboxUidRange,
  processUid = process.getuid?.() ?? 0,
  processGid = process.getgid?.() ?? 0,
): SandboxIdentity {
  if (processUid !== 0) return { uid: processUid, gid: processGid, switched: false };
  const id = range.first + (createHash('sha256').update(tenantSegment).digest().readUInt32BE(0) % range.count);
  return { uid: id, gid: id, switched: true };
}

export function findSandboxUidProblems(range: SandboxUidRange): string[] {
  const ok =
    Number.isInteger(range.first) &&
    Number.isInteger(range.count) &&
    range.first >= 1000 &&
    range.count >= 1 &&
    range.first + range.count <= 4_294_967_294;
  return ok
    ? []
    : ['workspaces.sandboxUids must be { first, count }: integers with first >= 1000, count >= 1 and first + count <= 4294967294'];
}
