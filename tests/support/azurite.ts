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

/** Mocha root hook (registered in .mocharc.js): stop Azurite so the process exits. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    if (instance) await (await instance).stop();
  },
};
