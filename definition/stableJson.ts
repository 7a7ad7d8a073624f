/**
 * Deterministic JSON: object keys sorted at every depth, so a rendered definition diffs cleanly in a
 * pull request and `pulumi preview` never shows a phantom change caused by key order.
 */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortKeysDeep(v)) as unknown as T;
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) sorted[key] = sortKeysDeep(v);
    }
    return sorted as T;
  }
  return value;
}

/** `JSON.stringify` of {@link sortKeysDeep}, two-space indented, with a trailing newline. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 2) + "\n";
}
