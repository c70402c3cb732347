/** A command was refused before it ran: it names a program the tier blocks. */
export class CommandBlockedError extends Error {
  constructor(readonly program: string) {
    super(`Command refused: '${program}' is blocked by the sandbox policy of this tier`);
    this.name = 'CommandBlockedError';
  }
}

const KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
  'for',
  'select',
  'case',
  'esac',
  'function',
  'coproc',
  '{',
  '}',
  '!',
  '[[',
  ']]',
]);
interface Wrapper {
  /** Options followed by a value word. */
  valued?: string[];
  /** Options whose value is itself a command line. */
  commandOptions?: string[];
  /** Positional words before the program (`timeout 5 cmd`, `flock file cmd`). */
  positionals?: number;
}
/** Programs that run another program named by a later word. */
const WRAPPERS: Record<string, Wrapper> = {
  sudo: { valued: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T'] },
  doas: { valued: ['-u', '-C'] },
  env: { valued: ['-u', '-C', '--unset', '--chdir'], commandOptions: ['-S', '--split-string'] },
  exec: { valued: ['-a'] },
  command: {},
  builtin: {},
  nice: { valued: ['-n', '--adjustment'] },
  nohup: {},
  time: { valued: ['-f', '-o'] },
  timeout: { valued: ['-s', '-k', '--signal', '--kill-after'], positionals: 1 },
  stdbuf: { valued: ['-i', '-o', '-e'] },
  setsid: {},
  xargs: { valued: ['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s', '--arg-file', '--delimiter', '--max-args', '--max-procs'] },
  chroot: { positionals: 1 },
  ionice: { valued: ['-c', '-n', '-p'] },
  taskset: { positionals: 1 },
  flock: { valued: ['-w', '-E', '--timeout'], commandOptions: ['-c', '--command'], positionals: 1 },
  busybox: {},
  strace: { valued: ['-o', '-e', '-p', '-s', '-u'] },
  watch: { valued: ['-n', '-d', '--interval'] },
  unbuffer: {},
  chrt: { positionals: 1 },
  runuser: { valued: ['-u', '-g', '-G', '-s'], commandOptions: ['-c', '--command'] },
  su: { valued: ['-g', '-G', '-s'], commandOptions: ['-c', '--command'] },
};
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'mksh']);
const OPERATORS = ['&&', '||', ';;', '|&', ';', '&', '|', '(', ')', '\n'];
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

/**
 * The program names a `bash` command line would run: the first word of every simple command,
 * after assignments and wrappers (`env`, `sudo`, `timeout 5`, `xargs`, ...), inside `$(...)`,
 * backquotes, `<(...)`, and the strings given to `sh -c` / `bash -c` / `eval`. Quotes are removed
 * first, so `c"ur"l` is `curl`; paths count by their last part.
 *
 * NOTE: a best-effort reading of shell syntax. A name computed at run time (`$(echo cu)rl`, a
 * variable) cannot be seen here; under bubblewrap the blocked programs are also hidden from the
 * sandbox's filesystem, and the network is closed by a namespace, not by this list.
 */
export function commandNames(line: string): string[] {
  const names: string[] = [];
  analyse(line, names, 0);
  return names;
}

/** The first blocked program the line would run, or `null`. */
export function findBlockedCommand(line: string, blocked: readonly string[]): string | null {
  if (blocked.length === 0) return null;
  const set = new Set(blocked.map((b) => b.trim()).filter(Boolean));
  return commandNames(line).find((name) => set.has(name)) ?? null;
}

const baseName = (word: string): string => word.slice(word.lastIndexOf('/') + 1);

function analyse(line: string, names: string[], depth: number): void {
  if (depth > 8) return;
  let expectCommand = true;
  /** The wrapper whose options and positionals come before the real program. */
  let wrapper: { spec: Wrapper; positionalsLeft: number; skipValue: boolean; commandValue: boolean } | null = null;
  /** `sh`/`bash` seen: its `-c` string is a command line. */
  let shell: 'none' | 'seen' | 'dash-c' = 'none';
  let evalArgs: string[] | null = null;
  let skipNext = false; // the target of a redirection

  const endCommand = () => {
    if (evalArgs) analyse(evalArgs.join(' '), names, depth + 1);
    evalArgs = null;
    expectCommand = true;
    wrapper = null;
    shell = 'none';
    skipNext = false;
  };

  const word = (text: string) => {
    if (skipNext) {
      skipNext = false;
      return;
    }
    if (evalArgs) {
      evalArgs.push(text);
      return;
    }
    if (shell === 'dash-c') {
      analyse(text, names, depth + 1);
      shell = 'none';
      return;
    }
    if (shell === 'seen' && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(text)) {
      shell = 'dash-c';
      return;
    }
    if (!expectCommand) return;
    if (wrapper) {
      if (wrapper.commandValue) {
        wrapper.commandValue = false;
        analyse(text, names, depth + 1);
        return;
      }
      if (wrapper.skipValue) {
        wrapper.skipValue = false;
        return;
      }
      if (text.startsWith('-')) {
        const option = text.split('=')[0]!;
        if (wrapper.spec.commandOptions?.includes(option)) {
          if (option === text) wrapper.commandValue = true;
          else analyse(text.slice(option.length + 1), names, depth + 1);
        } else if (wrapper.spec.valued?.includes(option) && option === text) wrapper.skipValue = true;
        return;
      }
      if (ASSIGNMENT.test(text)) return;
      if (wrapper.positionalsLeft > 0) {
        wrapper.positionalsLeft--;
        return;
      }
    }
    if (ASSIGNMENT.test(text)) return;
    if (KEYWORDS.has(text)) return;
    const name = baseName(text);
    if (name === '') return;
    names.push(name);
    if (name === 'eval') {
      evalArgs = [];
      expectCommand = false;
      return;
    }
    const spec = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name]! : null;
    if (spec) {
      wrapper = { spec, positionalsLeft: spec.positionals ?? 0, skipValue: false, commandValue: false };
      return;
    }
    expectCommand = false;
    wrapper = null;
    if (SHELLS.has(name)) shell = 'seen';
  };

  let i = 0;
  let current = '';
  let inWord = false;
  const flush = () => {
    if (inWord) word(current);
    current = '';
    inWord = false;
  };

  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      if (line[i + 1] === '\n') {
        i += 2;
        continue;
      }
      current += line[i + 1] ?? '';
      inWord = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      current += line.slice(i + 1, end === -1 ? line.length : end);
      inWord = true;
      i = end === -1 ? line.length : end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\') {
          current += line[j + 1] ?? '';
          j += 2;
          continue;
        }
        if (line[j] === '$' && line[j + 1] === '(') {
          const end = matchingParen(line, j + 1);
          analyse(line.slice(j + 2, end), names, depth + 1);
          current += '$()';
          j = end + 1;
          continue;
        }
        if (line[j] === '`') {
          const end = closingBackquote(line, j);
          analyse(line.slice(j + 1, end), names, depth + 1);
          j = end + 1;
          continue;
        }
        current += line[j];
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if ((c === '$' || c === '<' || c === '>') && line[i + 1] === '(') {
      const end = matchingParen(line, i + 1);
      analyse(line.slice(i + 2, end), names, depth + 1);
      current += '$()';
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '`') {
      const end = closingBackquote(line, i);
      analyse(line.slice(i + 1, end), names, depth + 1);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '#' && !inWord) {
      const end = line.indexOf('\n', i);
      i = end === -1 ? line.length : end;
      continue;
    }
    if (c === ' ' || c === '\t') {
      flush();
      i++;
      continue;
    }
    if (c === '>' || c === '<') {
      // A redirection: `2>&1`, `>file`, `<<EOF`, `&>log`; its target is not a command.
      if (inWord && /^\d+$/.test(current)) {
        current = '';
        inWord = false;
      } else flush();
      let j = i;
      while (j < line.length && /[<>&|]/.test(line[j]!)) j++;
      let duplicate = false; // `2>&1`, `>&2`, `<&-`: no target word
      if (line[j - 1] === '&') {
        let k = j;
        while (k < line.length && /[\d-]/.test(line[k]!)) k++;
        duplicate = k > j;
        j = k;
      }
      skipNext = !duplicate;
      i = j;
      continue;
    }
    const operator = OPERATORS.find((op) => line.startsWith(op, i));
    if (operator) {
      if (operator === '&' && line[i + 1] === '>') {
        flush();
        i += 2;
        skipNext = true;
        continue;
      }
      flush();
      endCommand();
      i += operator.length;
      continue;
    }
    current += c;
    inWord = true;
    i++;
  }
  flush();
  endCommand();
}

/** Index of the `)` closing the `(` at `open` (quotes inside respected roughly), or the end. */
function matchingParen(line: string, open: number): number {
  let depth = 0;
  for (let j = open; j < line.length; j++) {
    const c = line[j];
    if (c === '\\') j++;
    else if (c === "'") {
      const end = line.indexOf("'", j + 1);
      j = end === -1 ? line.length : end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j;
  }
  return line.length;
}

function closingBackquote(line: string, open: number): number {
  for (let j = open + 1; j < line.length; j++) {
    if (line[j] === '\\') j++;
    else if (line[j] === '`') return j;
  }
  return line.length;
}
