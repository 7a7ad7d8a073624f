/** ISO 8601 day/time durations as workflow definitions write them (retry intervals, limits). */

/** Seconds of an ISO 8601 day/time duration (`PT30S`, `P1D`), or undefined if it is not one. */
export function durationSeconds(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}
