/**
 * Temporary folders for tests, removed when the process that made them exits (a mocha worker, or mocha run
 * serially): a test that keeps its folder until then needs no `after` of its own, and none piles up in /tmp.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];

process.on("exit", () => {
  for (const dir of made.splice(0)) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder still held (a child's open file): left to the system's cleaning of /tmp, not a failed run.
    }
  }
});

/** A new folder `<tmp>/<prefix>-XXXXXX`, removed at exit. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}
