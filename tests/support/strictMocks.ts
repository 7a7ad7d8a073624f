/**
 * Strict Pulumi mocks: the kit's mocks, plus Azure's server-side rules (azure-rules/). Every
 * registration and invoke is recorded and checked; what ARM would reject is rejected here, with
 * Azure's error code in the thrown message, and kept in `violations`.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkInvoke, checkRegistration, Registration } from "../../azure-rules/resourceRules";
import { formatViolation, Violation } from "../../azure-rules/violation";
import { kitMocks, MockCall, RegisteredResource } from "./pulumiMocks";

export interface StrictRecording {
  resources: RegisteredResource[];
  calls: MockCall[];
  violations: Violation[];
  /** The installed mocks (tests call them directly to see a rejection). */
  mocks?: pulumi.runtime.Mocks;
}

/** Azure's answer to a rejected request, as the provider would surface it. */
function reject(violations: Violation[]): never {
  const msg = violations.map(formatViolation).join("\n");
  throw Object.assign(new Error(msg), { details: msg });
}

/**
 * `reject` (default) fails the registration or invoke like ARM; `record` only keeps the violations, so
 * one run lists every defect (a rejected resource would stop everything that depends on it).
 */
export function installStrictMocks(
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  mode: "reject" | "record" = "reject",
  stack = "test",
): StrictRecording {
  const recording: StrictRecording = { resources: [], calls: [], violations: [] };
  const registrations: Registration[] = [];
  const inner = kitMocks(recording.resources, recording.calls);
  pulumi.runtime.setAllConfig(config, secretKeys);
  const strict: pulumi.runtime.Mocks = {
    async newResource(args) {
      const answer = await inner.newResource(args);
      const recorded = recording.resources[recording.resources.length - 1];
      const registration = { type: args.type, name: args.name, inputs: recorded.inputs, id: answer.id };
      const found = checkRegistration(registration, registrations);
      registrations.push(registration);
      if (found.length === 0) return answer;
      recording.violations.push(...found);
      return mode === "reject" ? reject(found) : answer;
    },
    async call(args) {
      const found = checkInvoke({ token: args.token, inputs: args.inputs }, registrations);
      recording.violations.push(...found);
      return found.length === 0 || mode === "record" ? inner.call(args) : reject(found);
    },
  };
  recording.mocks = strict;
  void pulumi.runtime.setMocks(strict, "leadkit", stack);
  return recording;
}
