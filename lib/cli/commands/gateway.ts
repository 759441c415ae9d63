// gatekit gateway … : the gateway itself (lib/gateway/cli.ts). `--env NAME` runs the `litellm:` section of
// environments/NAME.yaml locally — `npm start` is `--env dev` — with .env.example filling unset variables.
import { runGateway } from "../../gateway/cli.ts";
import { loadEnvironment, SpecError } from "../../spec/load.ts";

export async function run(args: string[]): Promise<number> {
  const at = args.findIndex((a) => a === "--env" || a.startsWith("--env="));
  if (at < 0) return runGateway(args);
  const name = args[at]!.includes("=") ? args[at]!.split("=")[1]! : args[at + 1];
  if (!name) return console.error("gatekit gateway: --env needs an environment name"), 2;
  let env;
  try {
    env = loadEnvironment(name);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return console.error(`gatekit gateway: ${e.message}`), 2;
  }
  // Local runs use LiteLLM's default ports (4000/4001) whatever the spec publishes on its Docker host.
  const flags = ["--num_workers", String(env.spec.gateway.num_workers), ...args];
  process.env.SEPARATE_HEALTH_APP ??= "1";
  process.env.GATEKIT_UI ??= env.spec.gateway.ui ? "1" : "0";
  return runGateway(flags, { config: env.spec.litellm, source: env.file, devEnvFiles: [".env.example"] });
}
