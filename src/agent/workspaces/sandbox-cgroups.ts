import { existsSync, promises as fs } from 'node:fs';
import { randomUUID } from 'node:crypto';

export type CgroupController = 'pids' | 'memory' | 'cpu';

interface ControllerHome {
  version: 1 | 2;
  /** This process's own directory for sandbox groups: `<its cgroup>/nestjs-agents-<pid>`. */
  parent: string;
}

const PREFIX = 'nestjs-agents-';
/** One CPU: the quota equals the period. */
const CPU_PERIOD_US = 100_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kernel limits for a sandboxed command's whole process tree: a cgroup per command, under this
 * process's own cgroup (so the host's accounting still covers it), with `pids.max`, the memory
 * limit and one CPU at most (so a busy or runaway command cannot take the whole machine). Used
 * where the cgroup filesystem is writable (root, or a delegated cgroup v2 subtree); `detect()`
 * answers `null` otherwise and rlimits are used instead.
 */
export class SandboxCgroups {
  /** Commands running now: the parent groups exist only while some do, so a crash leaves little behind. */
  private active = 0;

  private constructor(private readonly homes: Map<CgroupController, ControllerHome>) {}

  get controllers(): CgroupController[] {
    return [...this.homes.keys()];
  }

  describe(controller: CgroupController): string | null {
    const home = this.homes.get(controller);
    return home ? `cgroup v${home.version} ${controller}` : null;
  }

  static async detect(): Promise<SandboxCgroups | null> {
    const lines = (await fs.readFile('/proc/self/cgroup', 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const homes = new Map<CgroupController, ControllerHome>();
    for (const controller of ['pids', 'memory', 'cpu'] as const) {
      const home = ownHome(lines, controller);
      if (home && (await probe(home, controller))) homes.set(controller, home);
    }
    return homes.size > 0 ? new SandboxCgroups(homes) : null;
  }

  /** A group for one command, limits set; the command must be placed in it by writing its pid to `procsFiles`. */
  async create(limits: { maxTasks: number; memoryBytes: number }): Promise<CommandCgroup> {
    const id = randomUUID();
    const dirs: Array<{ controller: CgroupController; version: 1 | 2; dir: string }> = [];
    this.active++;
    const group = new CommandCgroup(dirs, () => this.released());
    try {
      const ensureParents = async () => {
        for (const [controller, home] of this.homes) await ensureParent(home, controller);
      };
      await ensureParents();
      for (const [controller, home] of this.homes) {
        const dir = `${home.parent}/${id}`;
        // cgroup v2 has one tree for every controller: the group is made once.
        for (let attempt = 0; !dirs.some((d) => d.dir === dir); attempt++) {
          if (attempt > 0) await ensureParents();
          // ENOENT: the last command's cleanup removed a parent in between; make them again.
          const made = await fs.mkdir(dir).then(
            () => true,
            (error) => ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3 ? false : Promise.reject(error)),
          );
          if (made) break;
        }
        dirs.push({ controller, version: home.version, dir });
        await writeLimit(dir, controller, home.version, limits);
      }
    } catch (error) {
      await group.remove();
      throw error;
    }
    return group;
  }

  /** Removes this process's parent groups (they are empty once no command runs); at shutdown. */
  async dispose(): Promise<void> {
    for (const home of this.homes.values()) await fs.rmdir(home.parent).catch(() => undefined);
  }

  private async released(): Promise<void> {
    if (--this.active === 0) await this.dispose();
  }
}

export class CommandCgroup {
  private removed = false;

  constructor(
    private readonly dirs: Array<{ controller: CgroupController; version: 1 | 2; dir: string }>,
    private readonly onRemoved: () => Promise<void> = async () => undefined,
  ) {}

  get procsFiles(): string[] {
    return [...new Set(this.dirs.map((d) => `${d.dir}/cgroup.procs`))];
  }

  has(controller: CgroupController): boolean {
    return this.dirs.some((d) => d.controller === controller);
  }

  /** SIGKILLs every process in the group, including ones that left the process group or session. */
  async kill(): Promise<void> {
    const v2 = this.dirs.find((d) => d.version === 2 && existsSync(`${d.dir}/cgroup.kill`));
    if (v2) {
      await fs.writeFile(`${v2.dir}/cgroup.kill`, '1').catch(() => undefined);
      return;
    }
    // cgroup v1 has no kill switch: kill until empty (pids.max bounds how fast it can refill).
    const dir = (this.dirs.find((d) => d.controller === 'pids') ?? this.dirs[0])?.dir;
    if (!dir) return;
    for (let round = 0; round < 100; round++) {
      const pids = (await fs.readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(10);
    }
  }

  /** Kills what is left and removes the group (a group can only be removed once empty). */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await this.kill();
    for (const { dir } of this.dirs) {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await fs.rmdir(dir);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          await sleep(20);
        }
      }
    }
    await this.onRemoved();
  }
}

/** `<mount><own path>/nestjs-agents-<pid>` for a controller, from `/proc/self/cgroup`. */
function ownHome(lines: string[], controller: CgroupController): ControllerHome | null {
  for (const line of lines) {
    const [, controllers = '', ...rest] = line.split(':');
    const path = rest.join(':');
    if (controllers.split(',').includes(controller) && existsSync(`/sys/fs/cgroup/${controller}`)) {
      return { version: 1, parent: `/sys/fs/cgroup/${controller}${path === '/' ? '' : path}/${PREFIX}${process.pid}` };
    }
  }
  const unified = lines.find((l) => l.startsWith('0::'));
  if (unified && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const path = unified.slice(3);
    return { version: 2, parent: `/sys/fs/cgroup${path === '/' ? '' : path}/${PREFIX}${process.pid}` };
  }
  return null;
}

/** Can a group with this controller be made and limited here? Also clears groups of dead processes. */
async function probe(home: ControllerHome, controller: CgroupController): Promise<boolean> {
  const base = home.parent.slice(0, home.parent.lastIndexOf('/'));
  await sweepDeadParents(base);
  try {
    await ensureParent(home, controller);
    const probeDir = `${home.parent}/probe-${randomUUID()}`;
    await fs.mkdir(probeDir);
    try {
      await writeLimit(probeDir, controller, home.version, { maxTasks: 10, memoryBytes: 64 * 1024 * 1024 });
    } finally {
      await fs.rmdir(probeDir).catch(() => undefined);
    }
    return true;
  } catch {
    return false;
  } finally {
    await fs.rmdir(home.parent).catch(() => undefined);
  }
}

async function ensureParent(home: ControllerHome, controller: CgroupController): Promise<void> {
  await fs.mkdir(home.parent).catch((error) => ((error as NodeJS.ErrnoException).code === 'EEXIST' ? undefined : Promise.reject(error)));
  if (home.version === 2) {
    if (!existsSync(`${home.parent}/${controller}.max`)) throw new Error(`the ${controller} controller is not delegated to this cgroup`);
    await fs.appendFile(`${home.parent}/cgroup.subtree_control`, `+${controller}`);
  }
}

async function writeLimit(
  dir: string,
  controller: CgroupController,
  version: 1 | 2,
  limits: { maxTasks: number; memoryBytes: number },
): Promise<void> {
  if (controller === 'pids') {
    await fs.writeFile(`${dir}/pids.max`, String(limits.maxTasks));
  } else if (controller === 'cpu') {
    if (version === 1) {
      await fs.writeFile(`${dir}/cpu.cfs_period_us`, String(CPU_PERIOD_US));
      await fs.writeFile(`${dir}/cpu.cfs_quota_us`, String(CPU_PERIOD_US));
    } else await fs.writeFile(`${dir}/cpu.max`, `${CPU_PERIOD_US} ${CPU_PERIOD_US}`);
  } else if (version === 1) {
    await fs.writeFile(`${dir}/memory.limit_in_bytes`, String(limits.memoryBytes));
    // With swap accounting on, swap counts too (otherwise a hog would just swap).
    await fs.writeFile(`${dir}/memory.memsw.limit_in_bytes`, String(limits.memoryBytes)).catch(() => undefined);
  } else {
    await fs.writeFile(`${dir}/memory.max`, String(limits.memoryBytes));
    await fs.writeFile(`${dir}/memory.swap.max`, '0').catch(() => undefined);
  }
}

/** Groups left by a process that died without cleaning up (crash, SIGKILL). */
async function sweepDeadParents(base: string): Promise<void> {
  const entries = await fs.readdir(base).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length) : NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    const parent = `${base}/${name}`;
    for (const child of await fs.readdir(parent, { withFileTypes: true }).catch(() => [])) {
      if (child.isDirectory()) await fs.rmdir(`${parent}/${child.name}`).catch(() => undefined);
    }
    await fs.rmdir(parent).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
