/** Partner Center's ActionCodes ("Lead management for the commercial marketplace"). */

export interface LeadAction {
  code: string;
  meaning: string;
  /** DNC: a cross-listed partner was asked to make contact; a heads-up only. */
  doNotContact: boolean;
}

const MEANINGS: Record<string, string> = {
  INS: "Installation: the customer selected Get it now, Free trial or Buy",
  PLT: "Partner-led trial: the customer selected Contact me",
  DNC: "Do not contact: heads-up only, a cross-listed partner was asked to make contact",
  CREATE: "Created in the Azure portal: the customer bought the offer",
  STARTTESTDRIVE: "Test drive started",
};

const CANONICAL: Record<string, string> = { CREATE: "Create", STARTTESTDRIVE: "StartTestDrive" };

export function describeAction(raw: string): LeadAction {
  const key = raw.trim().toUpperCase();
  if (!key) return { code: "", meaning: "No action code", doNotContact: false };
  const meaning = MEANINGS[key];
  return {
    code: meaning ? (CANONICAL[key] ?? key) : raw.trim(),
    meaning: meaning ?? `Unknown action code "${raw.trim()}"`,
    doNotContact: key === "DNC",
  };
}
