/**
 * One Azurite for the whole test process, started on first use on a free loopback port and stopped
 * when mocha ends, so CI needs nothing running beforehand.
 */
import { Azurite, startAzurite } from "../../local/azurite";

let instance: Promise<Azurite> | undefined;

export function useAzurite(): Promise<Azurite> {
  instance ??= startAzurite();
  return instance;
}

/**
 * Mocha root hook (registered in .mocharc.js): stop Azurite so the process exits. In a parallel run
 * (`--parallel`) root hooks run after every file of a worker: the worker's Azurite serves all its files
 * and stops when the worker ends (local/azurite.ts: it exits when its parent's pipe closes).
 */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    if (process.env.MOCHA_WORKER_ID !== undefined) return;
    if (instance) await (await instance).stop();
  },
};
