/** A rule of Azure's that a definition or a resource breaks, with where and how to fix it. */
export interface Violation {
  /** Catalogue id of the rule, e.g. `secure-data-inputs-only`. */
  rule: string;
  /** Azure's own error code, when a source shows it. */
  code?: string;
  /** Action path (`actions.Process_lead.actions.Normalize_lead`) or resource (`azure-native:web:WebApp leads-fn`). */
  path: string;
  message: string;
  fix: string;
}

/** One line per violation, as the tests and the strict mocks print it. */
export function formatViolation(v: Violation): string {
  return `${v.code ? `${v.code} ` : ""}[${v.rule}] ${v.path}: ${v.message} Fix: ${v.fix}`;
}

/** ISO 8601 duration (days and time parts, as Logic Apps accepts them) in seconds; undefined when malformed. */
export function isoSeconds(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return d * 86400 + h * 3600 + min * 60 + s;
}
