import { readdirSync, readFileSync } from 'node:fs';

/** Live processes whose command line contains `text` (zombies have none). */
export const processesWith = (text: string): number =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(text);
      } catch {
        return false;
      }
    }).length;
