/**
 * The storage requests a real run made (the table calls the runtime handed its Tables connector), so the
 * throughput floor sends exactly what the workflow sends per lead (method, entity path, headers, body),
 * bare: no trigger, no runner, no expressions. Each floor lead gets fresh row keys.
 */
import { HttpCall } from "../../emulator/types";

export interface StorageOp {
  action: string;
  /** Table service verb: PUT (insert or replace), POST (insert), MERGE/PATCH (merge), GET, DELETE. */
  method: string;
  table: string;
  /** The path after the table endpoint: `Table` or `Table(PartitionKey='..',RowKey='..')`, as sent (encoded). */
  resource: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** The table calls among `calls` (those under `endpoint`), in the order the run made them. */
export function storageOpsOf(calls: HttpCall[], endpoint: string): StorageOp[] {
  return calls
    .filter((c) => c.uri.startsWith(endpoint))
    .map((c) => {
      const resource = c.uri.slice(endpoint.length);
      return {
        action: c.actionName,
        method: c.method.toUpperCase(),
        table: /^[A-Za-z0-9]+/.exec(resource)?.[0] ?? resource,
        resource,
        headers: { ...(c.headers ?? {}) },
        ...(c.body === undefined ? {} : { body: structuredClone(c.body) }),
      };
    });
}

/** Row keys the run used: in entity paths (URI-encoded there) and in inserted bodies. */
function rowKeysOf(ops: StorageOp[]): string[] {
  const keys = new Set<string>();
  for (const op of ops) {
    const inPath = /RowKey='([^']*)'/.exec(op.resource)?.[1];
    if (inPath !== undefined) keys.add(decodeURIComponent(inPath));
    const inBody = (op.body as { RowKey?: unknown } | undefined)?.RowKey;
    if (typeof inBody === "string") keys.add(inBody);
  }
  return [...keys].filter((k) => k.length > 0);
}

/** `ops` for another lead: every row key, wherever the run wrote it (paths, keys, columns), gets `-<tag>`. */
export function keyedFor(ops: StorageOp[], tag: string): StorageOp[] {
  const swaps = rowKeysOf(ops).flatMap((k) => [
    [encodeURIComponent(k), encodeURIComponent(`${k}-${tag}`)],
    ...(encodeURIComponent(k) === k ? [] : [[k, `${k}-${tag}`]]),
  ]);
  const swap = (text: string) => swaps.reduce((t, [from, to]) => t.split(from).join(to), text);
  return ops.map((op) => ({
    ...op,
    resource: swap(op.resource),
    ...(op.body === undefined ? {} : { body: JSON.parse(swap(JSON.stringify(op.body))) as unknown }),
  }));
}

export const describeOps = (ops: StorageOp[]) => ops.map((o) => `${o.method} ${o.table} (${o.action})`).join(", ");
