// gatekit's command line: one module per command under ./commands, each `run(args) → exit code`.
// Exit codes: 0 fine, 1 findings or refusal, 2 unusable input.
import cluster from "node:cluster";
import { createRequire } from "node:module";

type Command = { run(args: string[]): Promise<number>; HELP?: string };

const COMMANDS: Record<string, { about: string; load: () => Promise<Command> }> = {
  validate: { about: "check environment specs against the production rules", load: () => import("./commands/validate.ts") },
  synth: { about: "validate, then synthesize the CDKTF stacks into cdktf.out/", load: () => import("./commands/synth.ts") },
  render: { about: "write a kubernetes environment's plain manifests (YAML) for GitOps", load: () => import("./commands/render.ts") },
  review: { about: "what a change does to each environment stack, against a git ref", load: () => import("./commands/review.ts") },
  "salt-key": { about: "record or rotate an environment's salt key fingerprint", load: () => import("./commands/salt-key.ts") },
  deploy: { about: "validate, build local images, then cdktf deploy one environment's stack", load: () => import("./commands/deploy.ts") },
  destroy: { about: "cdktf destroy one environment's stack (retained volumes stay)", load: () => import("./commands/destroy.ts") },
  check: { about: "verify a running deployment against its spec (health, models, settings, Postgres, Redis)", load: () => import("./commands/check.ts") },
  probe: { about: "call every deployment of model_list once: latency, tokens, errors", load: () => import("./commands/probe.ts") },
  status: { about: "an environment's containers: state, health, uptime, restarts", load: () => import("./commands/status.ts") },
  logs: { about: "an environment's logs, one service or all (-f, --since)", load: () => import("./commands/logs.ts") },
  restart: { about: "restart the gateway instances one at a time, each healthy before the next", load: () => import("./commands/restart.ts") },
  images: { about: "build the local images a stack needs, without a registry", load: () => import("./commands/images.ts") },
  gateway: { about: "run the LiteLLM-compatible gateway (the image's entrypoint)", load: () => import("./commands/gateway.ts") },
};

const USAGE = `usage: gatekit <command> [options]   (gatekit --version)\n\n${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.about}`)
  .join("\n")}\n\nRun \`gatekit <command> --help\` for a command's options.`;

/** package.json's version: two folders up from lib/cli in the sources, three from dist/lib/cli. */
function version(): string {
  const require = createRequire(import.meta.url);
  for (const p of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = require(p) as { name?: string; version?: string };
      if (pkg.name === "gatekit") return `gatekit ${pkg.version}`;
    } catch {}
  }
  return "gatekit (version unknown)";
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === "--version" || name === "-v") return console.log(version()), 0;
  if (!name || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`gatekit: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const module = await command.load();
  try {
    return await module.run(args);
  } catch (e) {
    // Mistakes in what was typed (unknown option, missing value) and specs that can't be read are usage errors:
    // say what is wrong and how the command is used, never a stack trace.
    const code = (e as { code?: unknown })?.code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
      const usage = module.HELP?.split("\n\n")[0] ?? `usage: gatekit ${name} …`;
      console.error(`gatekit ${name}: ${(e as Error).message.split(". To specify a positional")[0]}\n\n${usage}\nRun \`gatekit ${name} --help\` for what each option does.`);
      return 2;
    }
    // Loaded only here: `--help` and commands that read no spec skip the schema's modules.
    const { formatIssue, SpecError } = await import("../spec/load.ts");
    if (e instanceof SpecError) {
      console.error(`gatekit ${name}: the spec could not be read:\n${e.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
      return 2;
    }
    // Anything else is a bug in gatekit: the message, and the stack only when asked for.
    if (process.env.GATEKIT_DEBUG || name === "gateway") throw e;
    console.error(`gatekit ${name}: unexpected error: ${(e as Error)?.message ?? String(e)}\n(a bug in gatekit: run again with GATEKIT_DEBUG=1 for the stack trace, and report it)`);
    return 1;
  }
}

// A gateway worker, forked by `gatekit gateway`'s primary, goes straight to the gateway.
if (cluster.isWorker) await (await import("../gateway/process/worker-start.ts")).startWorker();
else process.exitCode = await main(process.argv.slice(2));
