/**
 * Slots for the calls of runs that have already answered their caller. A host running many runs at once
 * gives them one pool: a run still waiting to answer calls out at once, while answered runs take turns,
 * `size` at a time while any run is still waiting to answer and `idleSize` at a time when none is. A burst's
 * answers do not queue behind every earlier run's deliveries (on one event loop and one storage emulator),
 * and once they are out the deliveries go at full width. Azure answers from separate workers; here this
 * keeps the answer path short without changing what any run does or in which order its own actions run.
 */
export class CallPool {
  private active = 0;
  private unanswered = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * @param size calls in flight at most for answered runs while a run waits to answer
   * @param idleSize calls in flight at most when no run waits to answer (default: `size`)
   */
  constructor(
    readonly size: number,
    readonly idleSize = size,
  ) {
    for (const [name, value] of [
      ["size", size],
      ["idleSize", idleSize],
    ] as const)
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`CallPool ${name} is ${value}: give a whole number >= 1.`);
  }

  /** A run that has not answered yet; call the returned function (once) when it answers. */
  runStarted(): () => void {
    this.unanswered++;
    return once(() => {
      this.unanswered--;
      this.pump();
    });
  }

  /**
   * Resolves to the release of a slot once one is free (call it once; more calls do nothing). Rejects with
   * the signal's reason if `signal` aborts first (a Terminate while waiting), leaving the queue.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.width()) this.active++;
    else await this.wait(signal);
    return once(() => {
      this.active--;
      this.pump();
    });
  }

  /** Calls in flight, calls waiting and runs still to answer (for tests and the bench). */
  get load(): { active: number; waiting: number; unanswered: number } {
    return { active: this.active, waiting: this.waiting.length, unanswered: this.unanswered };
  }

  private width(): number {
    return this.unanswered > 0 ? this.size : this.idleSize;
  }

  /** Hands free slots to waiting calls, oldest first (a granted call counts as active at once). */
  private pump(): void {
    while (this.waiting.length > 0 && this.active < this.width()) {
      this.active++;
      this.waiting.shift()!();
    }
  }

  /** Queues until `pump` grants this caller a slot. */
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
}

/** `fn` on the first call; later calls do nothing (a release or an answer counts once). */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
