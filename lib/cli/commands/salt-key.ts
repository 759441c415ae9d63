// gatekit salt-key record <env> | rotate <env> --reason "…"
// Records the SHA-256 fingerprint of LITELLM_SALT_KEY (never the key) in environments/<env>.salt.json; commit it.
import { parseArgs } from "node:util";
import { loadEnvironment } from "../../spec/load.ts";
import { recordSaltKey, readSaltLock, fingerprint } from "../../spec/salt-lock.ts";
import { envRefName } from "../../gateway/config/schema.ts";
import { cliVars } from "../env-file.ts";

export const HELP = `usage: gatekit salt-key record <env>
       gatekit salt-key rotate <env> --reason "why"

record: write the fingerprint of the environment's salt key (from its secrets.salt_key variable) to
environments/<env>.salt.json, on first use. rotate: accept a new salt key deliberately — re-encrypt the stored
provider credentials with it first — and keep the reason in the record.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: "string" }, help: { type: "boolean", short: "h" } } });
  const [action, name] = positionals;
  if (values.help) return console.log(HELP), 0;
  if ((action !== "record" && action !== "rotate") || !name) return console.error(HELP), 2;
  const env = loadEnvironment(name);
  const variable = envRefName(env.spec.secrets.salt_key)!;
  const saltKey = cliVars()[variable]; // the environment, else .env: the same source as validate and deploy
  if (!saltKey) return console.error(`gatekit salt-key: ${variable} is not set; export it (or put it in .env) and run again`), 2;
  const current = readSaltLock(env.file);
  if (action === "record" && current && current.salt_key_sha256 !== fingerprint(saltKey)) {
    console.error(`gatekit salt-key: ${variable} differs from the recorded key of ${name}. If this is a deliberate rotation, run\n  gatekit salt-key rotate ${name} --reason "…"`);
    return 1;
  }
  if (action === "rotate" && (!values.reason || values.reason.trim().length < 10)) {
    return console.error("gatekit salt-key rotate: --reason needs a written reason (at least 10 characters)"), 2;
  }
  const file = recordSaltKey(name, env.file, saltKey, values.reason);
  console.log(`recorded the ${variable} fingerprint of ${name} in ${file}: commit it`);
  return 0;
}
