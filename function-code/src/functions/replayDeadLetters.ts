/** Timer-triggered replay of dead-lettered leads (schedule from the REPLAY_SCHEDULE app setting). */
import { app, InvocationContext, Timer } from "@azure/functions";
import { runScheduledReplay } from "../replay/scheduled";

export async function replayDeadLettersTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const outcomes = await runScheduledReplay(process.env);
  for (const o of outcomes) context.log(`${o.result} ${o.row}: ${o.detail}`);
  const failed = outcomes.filter((o) => o.result === "failed").length;
  // A failed replay keeps the row dead-lettered; failing the invocation makes it visible in monitoring.
  if (failed > 0) throw new Error(`${failed} dead-lettered lead(s) could not be replayed; they stay dead-lettered.`);
}

app.timer("replayDeadLetters", { schedule: "%REPLAY_SCHEDULE%", handler: replayDeadLettersTimer });
