import { readdirSync, readFileSync } from 'node:fs';

/** The ids of live processes whose command line contains `text` (zombies have none). */
export const pidsWith = (text: string): number[] =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);

/** How many live processes have `text` in their command line. */
export const processesWith = (text: string): number => pidsWith(text).length;
