/**
 * Time zones by their Windows names ("For time zone names, review Microsoft Windows Default Time Zones", functions
 * reference, convertFromUtc), mapped to IANA with windows-iana; offsets at an instant from Intl.
 */
import { findIana } from "windows-iana";
import { ExpressionError } from "./parse";

/** The IANA zone of a Windows zone name, or a clear error naming the function and the value. */
export function ianaZone(fn: string, windowsName: string): string {
  if (/^(UTC|Coordinated Universal Time)$/i.test(windowsName)) return "UTC";
  const zones = findIana(windowsName);
  if (!zones?.length) {
    throw new ExpressionError(
      `The template language function '${fn}' was given the time zone '${windowsName}', which is not a Windows time zone name (for example 'Pacific Standard Time', 'W. Europe Standard Time').`,
    );
  }
  return zones[0];
}

/** Offset of `zone` from UTC, in minutes, at the UTC instant `ms`. */
export function offsetAt(zone: string, ms: number): number {
  if (zone === "UTC") return 0;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(ms);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** UTC instant of a wall-clock time in `zone` (the offset in force at that wall time). */
export function wallToUtc(zone: string, wallMs: number): number {
  let utc = wallMs - offsetAt(zone, wallMs) * 60_000;
  utc = wallMs - offsetAt(zone, utc) * 60_000;
  return utc;
}
