/**
 * Starts Azurite's Table service (Microsoft's storage emulator, from npm) on loopback, so the archive
 * is written to a real Table API, not a mock.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** Azurite's well-known development account (public emulator constants, not a secret). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  port: number;
  connectionString: string;
  stop(): Promise<void>;
  /** Kills and starts again on the same port (fault tests). */
  restart(): Promise<void>;
}

export interface AzuriteOptions {
  /** @default - a free loopback port */
  port?: number;
  /** Folder for persistent data. @default - in memory */
  location?: string;
  /** @default 15000 */
  startTimeoutMs?: number;
}

const TABLE_MAIN = path.join(path.dirname(require.resolve("azurite/package.json")), "dist", "src", "table", "main.js");

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`Azurite exited with code ${child.exitCode}: ${stderr()}`));
        return;
      }
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`Azurite did not listen on 127.0.0.1:${port} within ${timeoutMs} ms. ${stderr()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let errors = "";

  const launch = async () => {
    errors = "";
    const args = [
      TABLE_MAIN,
      "--tableHost",
      "127.0.0.1",
      "--tablePort",
      String(port),
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--loose",
      "--silent",
    ];
    if (options.location) {
      fs.mkdirSync(options.location, { recursive: true });
      args.push("--location", options.location);
    } else {
      args.push("--inMemoryPersistence");
    }
    child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (d: Buffer) => (errors += d.toString()));
    await waitForPort(port, child, () => errors, options.startTimeoutMs ?? 15000);
  };

  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });

  const onExit = () => child?.kill("SIGKILL");
  process.once("exit", onExit);
  await launch();
  return {
    port,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`,
    async stop() {
      process.removeListener("exit", onExit);
      await kill();
    },
    async restart() {
      await kill();
      await launch();
    },
  };
}
