/**
 * The replay's contract with the workflow: the headers a replay sends with a lead. No imports, so the
 * workflow builder and the CLIs read them without loading the storage SDK.
 */

/** The archive row the lead replays (`<PartitionKey>/<RowKey>`). */
export const REPLAY_OF_HEADER = "x-leadkit-replay-of";
/** The targets to send it to again (comma text, never empty on a replay). */
export const REPLAY_TARGETS_HEADER = "x-leadkit-replay-targets";
/** The archive row of the lead as first received: the replay owns that lead's dedup claim. */
export const ORIGIN_HEADER = "x-leadkit-origin";
