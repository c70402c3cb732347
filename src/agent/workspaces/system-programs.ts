import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** Where system programs live: the sandbox's PATH, and where the app looks for the tools it runs itself (never its own PATH). */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Is `program` installed in one of the system directories? */
export async function onPath(program: string): Promise<boolean> {
  for (const dir of SYSTEM_PATH.split(':')) {
    if (
      await fs.access(join(dir, program), fs.constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}
