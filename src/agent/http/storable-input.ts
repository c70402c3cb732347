/** Deepest nesting a request may carry (documented in the README). Deeper JSON is refused, not walked. */
export const MAX_INPUT_DEPTH = 64;

const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

function stringProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (!isWellFormed(s)) return 'contains an unpaired UTF-16 surrogate, which cannot be stored';
  return null;
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | null;
  key: string | number;
}

/** The path of a frame (`input.items[3]`), built only for the one value that is refused. */
function pathOf(frame: Frame): string {
  const keys: Array<string | number> = [];
  for (let f: Frame | null = frame; f?.parent; f = f.parent) keys.unshift(f.key);
  let path = '';
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) path += path ? `.${key}` : key;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path || 'the request';
}

/**
 * The first part of a request value that PostgreSQL could not store as given, named by its path
 * (`input.items[3].name contains a NUL character ...`), or null. Strings with `\u0000` or a lone
 * surrogate (text and jsonb refuse them), numbers that JSON cannot carry (`1e400` parses to
 * Infinity), and nesting deeper than `MAX_INPUT_DEPTH`. Walked with an explicit stack: a body
 * nested 20,000 levels deep is refused at level 65, without recursion; a 2 MB body takes a few ms.
 */
export function findUnstorable(value: unknown): string | null {
  const stack: Frame[] = [{ value, depth: 0, parent: null, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const problem = stringProblem(v);
      if (problem) return `${pathOf(frame)} ${problem}`;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${pathOf(frame)} is out of range`;
    } else if (v !== null && typeof v === 'object') {
      if (frame.depth >= MAX_INPUT_DEPTH) return `${pathOf(frame)} is nested deeper than ${MAX_INPUT_DEPTH} levels`;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: frame.depth + 1, parent: frame, key: i });
      } else {
        for (const key in v) {
          if (!Object.hasOwn(v, key)) continue;
          const problem = stringProblem(key);
          if (problem) return `a key in ${pathOf(frame)} ${problem}`;
          stack.push({ value: (v as Record<string, unknown>)[key], depth: frame.depth + 1, parent: frame, key });
        }
      }
    }
  }
  return null;
}
