/**
 * `text` with each `[from, to]` replaced in turn; throws when a `from` is missing, i.e. the earlier
 * migration's text it is taken from changed (a migration's text must never move).
 */
export function replacedIn(migration: string, text: string, ...replacements: [from: string, to: string][]): string {
  return replacements.reduce((result, [from, to]) => {
    if (!result.includes(from)) throw new Error(`${migration}: the earlier text no longer contains ${JSON.stringify(from.slice(0, 60))}`);
    return result.replace(from, to);
  }, text);
}
