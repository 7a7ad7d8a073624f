/** Config values as the `Fix:` commands print them: pasted into a shell, they must arrive as written. */

/** A value as one shell word: single-quoted when a shell would read any of it (`;`, `*`, `<`, spaces...). */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
