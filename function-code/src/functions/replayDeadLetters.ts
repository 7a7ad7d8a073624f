/** Timer-triggered replay of dead-lettered leads (schedule from the REPLAY_SCHEDULE app setting). */
import { app, InvocationContext, Timer } from "@azure/functions";
import { invocationFailure, runScheduledReplay } from "../replay/scheduled";

export async function replayDeadLettersTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const outcomes = await runScheduledReplay(process.env);
  for (const o of outcomes) context.log(`${o.result} ${o.row}: ${o.detail}`);
  const failure = invocationFailure(outcomes);
  if (failure) throw new Error(failure);
}

app.timer("replayDeadLetters", { schedule: "%REPLAY_SCHEDULE%", handler: replayDeadLettersTimer });
