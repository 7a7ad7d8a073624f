/** Timer-triggered retention purge (schedule from the PURGE_SCHEDULE app setting). */
import { app, InvocationContext, Timer } from "@azure/functions";
import { runScheduledPurge } from "../retention/scheduled";

export async function purgeExpiredTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const counts = await runScheduledPurge(process.env);
  // Counts and cutoffs only: the deleted rows' keys and values are personal data.
  context.log(
    `purged ${counts.archiveRows} archive row(s) received before ${counts.archiveCutoff ?? "(retention off)"} ` +
      `and ${counts.dedupClaims} dedup claim(s) made before ${counts.dedupCutoff ?? "(retention off)"}`,
  );
  if (counts.undeliveredKept > 0)
    context.warn(
      `kept ${counts.undeliveredKept} undelivered lead(s) older than the retention (dead-letter, needs-review, ` +
        "received, replaying): replay them (npm run replay) or erase them (npm run forget).",
    );
}

app.timer("purgeExpired", { schedule: "%PURGE_SCHEDULE%", handler: purgeExpiredTimer });
