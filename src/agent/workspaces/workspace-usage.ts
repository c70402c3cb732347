import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** Bytes of the files under `dir` (apparent sizes, symlinks not followed); 0 when it does not exist. */
export async function measureDirectory(dir: string): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const entries = await fs.readdir(current, { withFileTypes: true }).catch(() => []);
    const sizes = await Promise.all(
      entries.map(async (entry) => {
        const path = join(current, entry.name);
        if (entry.isDirectory()) {
          pending.push(path);
          return 0;
        }
        return (await fs.lstat(path).catch(() => ({ size: 0 }))).size;
      }),
    );
    for (const size of sizes) total += size;
  }
  return total;
}

/**
 * Disk use per tenant directory, measured by walking it and then kept up to date by this
 * process's own writes. A measure older than `ttlMs` is taken again, so writes made by other
 * processes (other workers, sandboxed commands) are seen within that time.
 */
export class TenantDiskUsage {
  private readonly measured = new Map<string, { bytes: number; at: number; pending?: Promise<number> }>();

  constructor(
    private readonly baseDir: string,
    private readonly ttlMs = 30_000,
    /** How a tenant's directory is measured (default: a walk of its files). */
    private readonly measure: (tenantDir: string) => Promise<number> = (tenantDir) => measureDirectory(join(this.baseDir, tenantDir)),
  ) {}

  async bytes(tenantDir: string, now = Date.now()): Promise<number> {
    const known = this.measured.get(tenantDir);
    if (known && now - known.at < this.ttlMs) return known.pending ? known.pending : known.bytes;
    const pending = this.measure(tenantDir);
    this.measured.set(tenantDir, { bytes: known?.bytes ?? 0, at: now, pending });
    try {
      const bytes = await pending;
      this.measured.set(tenantDir, { bytes, at: now });
      return bytes;
    } catch (error) {
      this.measured.delete(tenantDir);
      throw error;
    }
  }

  /** Accounts for a write this process made (negative when a file shrank). */
  add(tenantDir: string, deltaBytes: number): void {
    const known = this.measured.get(tenantDir);
    if (known && !known.pending) known.bytes = Math.max(0, known.bytes + deltaBytes);
    else this.measured.delete(tenantDir);
  }

  /** The next question measures again (after a command, a cleanup). */
  forget(tenantDir: string): void {
    this.measured.delete(tenantDir);
  }
}
