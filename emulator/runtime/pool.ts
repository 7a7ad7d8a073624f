/**
 * Slots for the calls of runs that have already answered their caller. A host running many runs at once
 * gives them one pool: a run still waiting to answer calls out at once, while answered runs take turns,
 * so a new request's answer does not queue behind every earlier run's deliveries (on one event loop and
 * one storage emulator). Azure answers from separate workers; here this keeps the answer path short
 * without changing what any run does or in which order its own actions run.
 */
export class CallPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** @param size calls in flight at most for answered runs */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`CallPool size is ${size}: give a whole number >= 1.`);
  }

  /**
   * Resolves to the release of a slot once one is free (call it once; more calls do nothing). Rejects with
   * the signal's reason if `signal` aborts first (a Terminate while waiting), leaving the queue.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.size) this.active++;
    else await this.wait(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }

  /** Queues until a release hands this caller its slot (the slot stays counted as active). */
  private wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const granted = () => (signal?.removeEventListener("abort", aborted), resolve());
      const aborted = () => {
        this.waiting.splice(this.waiting.indexOf(granted), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", aborted, { once: true });
      this.waiting.push(granted);
    });
  }

  /** Calls in flight and calls waiting (for tests and the bench). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}
