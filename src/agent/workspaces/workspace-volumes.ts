import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from './system-programs.js';

/** One inode per 16 KiB of quota: a quota holds as many files as a normal filesystem of its size. */
const BYTES_PER_INODE = 16_384;
/** The smallest volume made (mkfs.ext4 makes one this small, without a journal). */
const MIN_VOLUME_BYTES = 1024 * 1024;
/**
 * Smaller volumes go without a journal: on a few megabytes it would take a quarter of the quota,
 * and what a crash can cost is a scratch space's last writes.
 */
const JOURNAL_FROM_BYTES = 256 * 1024 * 1024;
const PROGRAMS = ['mkfs.ext4', 'mount', 'umount', 'mountpoint', 'findmnt', 'losetup', 'resize2fs', 'flock', 'truncate'];

/**
 * Under a lock on the image (every process of the host agrees): make the tenant's ext4 image
 * once, mount it on the tenant's directory (`nosuid,nodev`: a setuid file left there is inert,
 * seen from outside too), and grow it when the quota grew. Prints `mounted` when it mounted.
 * Exit 3: the directory already holds files of its own (made before volumes), left as it is.
 */
const ENSURE_SCRIPT = `
set -e
image=$1 mnt=$2 size=$3 owner=$4 inodeRatio=$5 journalFrom=$6
mkdir -p "$mnt"
if ! mountpoint -q "$mnt"; then
  if [ -n "$(ls -A "$mnt")" ]; then exit 3; fi
  if [ ! -e "$image" ]; then
    rm -f "$image.new"
    truncate -s "$size" "$image.new"
    journal=""; [ "$size" -lt "$journalFrom" ] && journal="-O ^has_journal"
    mkfs.ext4 -q -F -m 0 -i "$inodeRatio" $journal -E "root_owner=$owner" "$image.new"
    mv "$image.new" "$image"
  fi
  mount -o loop,nosuid,nodev,noatime,discard "$image" "$mnt"
  echo mounted
fi
if [ "$(stat -c %s "$image")" -lt "$size" ]; then
  truncate -s "$size" "$image"
  device=$(findmnt -n -o SOURCE --target "$mnt")
  losetup -c "$device"
  resize2fs "$device" >/dev/null 2>&1
fi
chown "$owner" "$mnt"
chmod 0700 "$mnt"
`;

export interface VolumeUsage {
  bytes: number;
  inodes: number;
}

/**
 * A sized filesystem per tenant: `<baseDir>/.volumes/<tenant>.ext4`, loop-mounted on
 * `<baseDir>/<tenant>`, as large as the tenant's quota. Bytes and inodes are counted by the
 * filesystem (directories, empty files and metadata included) and the limit holds while a command
 * runs: the command meets ENOSPC, the host's disk is untouched. Needs root (mount); `detect()`
 * says why not otherwise.
 */
export class WorkspaceVolumes {
  /** Mount points this process mounted (unmounted at shutdown). */
  private readonly mounted = new Set<string>();
  /** Tenants whose directory predates volumes (left as plain directories). */
  private readonly plain = new Set<string>();
  private readonly sizes = new Map<string, number>();

  private constructor(
    private readonly baseDir: string,
    private readonly imagesDir: string,
  ) {}

  static async detect(baseDir: string): Promise<WorkspaceVolumes | string> {
    if (process.getuid?.() !== 0) return 'needs the app to run as root (to mount a sized filesystem per tenant)';
    for (const program of PROGRAMS)
      if (!(await onPath(program))) return `${program} is not installed (Debian: e2fsprogs, util-linux, mount)`;
    const imagesDir = join(baseDir, '.volumes');
    await fs.mkdir(imagesDir, { recursive: true, mode: 0o700 });
    await fs.chmod(imagesDir, 0o700);
    // A real mount of a tiny volume: containers without loop devices or CAP_SYS_ADMIN fail here.
    const probeDir = await fs.mkdtemp(join(tmpdir(), 'nestjs-agents-volume-'));
    const probe = new WorkspaceVolumes(probeDir, probeDir);
    try {
      await probe.ensure('probe', 1, { uid: 0, gid: 0 });
      await probe.release();
    } catch (error) {
      return `a loop-mounted volume could not be made here (${(error as Error).message})`;
    } finally {
      await fs.rm(probeDir, { recursive: true, force: true }).catch(() => undefined);
    }
    return new WorkspaceVolumes(baseDir, imagesDir);
  }

  /** The tenant's volume, mounted and at least `bytes` large; false when its directory stays a plain one. */
  async ensure(tenant: string, bytes: number, owner: { uid: number; gid: number }): Promise<boolean> {
    if (this.plain.has(tenant)) return false;
    const size = Math.max(MIN_VOLUME_BYTES, bytes);
    const mountPoint = join(this.baseDir, tenant);
    if ((this.sizes.get(tenant) ?? 0) >= size && (await this.isMounted(mountPoint))) return true;
    const image = join(this.imagesDir, `${tenant}.ext4`);
    const result = await run('flock', [
      `${image}.lock`,
      'sh',
      '-c',
      ENSURE_SCRIPT,
      'sh',
      image,
      mountPoint,
      String(size),
      `${owner.uid}:${owner.gid}`,
      String(BYTES_PER_INODE),
      String(JOURNAL_FROM_BYTES),
    ]);
    if (result.code === 3) {
      this.plain.add(tenant);
      return false;
    }
    if (result.code !== 0)
      throw new Error(`The workspace volume of '${tenant}' could not be mounted: ${result.stderr.trim() || `exit ${result.code}`}`);
    if (result.stdout.includes('mounted')) this.mounted.add(mountPoint);
    this.sizes.set(tenant, size);
    return true;
  }

  /**
   * What the tenant's volume holds, by the filesystem's count: bytes are the volume's size less
   * what is still available (so a full volume reads as exactly its quota); null without a volume.
   */
  async usage(tenant: string): Promise<VolumeUsage | null> {
    const mountPoint = join(this.baseDir, tenant);
    if (this.plain.has(tenant) || !(await this.isMounted(mountPoint))) return null;
    const [stat, image] = await Promise.all([fs.statfs(mountPoint), fs.stat(join(this.imagesDir, `${tenant}.ext4`))]);
    return { bytes: Math.max(0, image.size - stat.bavail * stat.bsize), inodes: stat.files - stat.ffree };
  }

  /** Unmounts what this process mounted (a volume still in use elsewhere stays). */
  async release(): Promise<void> {
    for (const mountPoint of this.mounted) {
      const result = await run('umount', [mountPoint]);
      if (result.code === 0) this.mounted.delete(mountPoint);
    }
    this.sizes.clear();
  }

  private async isMounted(mountPoint: string): Promise<boolean> {
    const [point, base] = await Promise.all([fs.stat(mountPoint).catch(() => null), fs.stat(this.baseDir)]);
    return point !== null && point.dev !== base.dev;
  }
}

function run(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => resolve({ code: null, stdout, stderr: error.message }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
