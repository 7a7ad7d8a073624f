/**
 * The component provider `pulumi package add <this repo>` runs (PulumiPlugin.yaml `main`): it serves
 * LeadEndpoint to programs in any Pulumi language. `componentProviderHost` lives in
 * `@pulumi/pulumi/provider/experimental` (3.248.0); it analyzes the TypeScript source from the package
 * root (package.json and tsconfig.json there), hence `dirname`.
 */
import * as path from "path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { LeadEndpoint } from "./index";

/** Package name: the first part of the component's type token `leadkit:index:LeadEndpoint`. */
export const PACKAGE_NAME = "leadkit";
export const PACKAGE_ROOT = path.join(__dirname, "..");

if (require.main === module) {
  void componentProviderHost({ components: [LeadEndpoint], name: PACKAGE_NAME, dirname: PACKAGE_ROOT });
}
