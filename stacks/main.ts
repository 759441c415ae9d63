// The app cdktf-cli runs (cdktf.json): every environments/*.yaml becomes a stack; rule errors refuse.
import { ManifestErrors, synthesize, RuleErrors } from "../lib/infra/app.ts";
import { loadEnvironments, SpecError } from "../lib/spec/load.ts";
import { cliVars } from "../lib/cli/env-file.ts";

try {
  synthesize(loadEnvironments(), { outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out", vars: cliVars() });
} catch (e) {
  if (!(e instanceof RuleErrors || e instanceof SpecError || e instanceof ManifestErrors)) throw e;
  console.error(e.message);
  process.exit(1);
}
