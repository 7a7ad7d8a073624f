/**
 * The policy pack: `pulumi preview --policy-pack policy`. Never import this file from tests:
 * `new PolicyPack` starts a gRPC server that keeps the process alive.
 */
import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "./policies";

new PolicyPack("leadkit-policies", { policies: [...resourcePolicies, ...stackPolicies] });
