// `npm run bench:deploy`: deployment numbers on this machine's Docker engine — time from nothing to a healthy
// stack with the images cached and with them built first, the local images' sizes, and requests per second
// through one gateway instance and through the load balancer in front of two. Stacks are the dev environment
// (mock models), applied by the engine applier of the tests (Terraform's provider can't be installed here).
// Options: --duration S (load per row, default 10), --cold (also remake the Debian bases with debootstrap).
import { execa } from "execa";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildImages } from "../lib/images/build.ts";
import { localImagesOf } from "../lib/model/images.ts";
import type { DockerEnvironment } from "../lib/spec/schema.ts";
import { applyStack, destroyStack, type StackState } from "../test/support/engine-applier.ts";
import { devVariant, synthStack, TF_VARS } from "../test/support/stacks.ts";
import { TEST_VARS } from "../test/support/vars.ts";

const { values: args } = parseArgs({ options: { duration: { type: "string", default: "10" }, cold: { type: "boolean" } } });
const out = mkdtempSync(join(tmpdir(), "gatekit-bench-deploy-"));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** From nothing to every container healthy; the stack and the time it took. */
async function bringUp(env: DockerEnvironment, build: boolean): Promise<{ state: StackState; ms: number }> {
  const t0 = Date.now();
  if (build) await buildImages(localImagesOf(env.spec));
  const state = await applyStack(synthStack(env, out), TF_VARS);
  return { state, ms: Date.now() - t0 };
}

async function rps(env: DockerEnvironment): Promise<{ rps: number; p99: string; errors: number }> {
  const script = join(out, "chat.lua");
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello!" }] });
  writeFileSync(script, `wrk.method="POST"\nwrk.headers["Content-Type"]="application/json"\nwrk.headers["Authorization"]="Bearer ${TEST_VARS.LITELLM_MASTER_KEY}"\nwrk.body='${body}'\n`);
  const url = `http://127.0.0.1:${env.spec.gateway.port}/v1/chat/completions`;
  await execa("wrk", ["-t1", "-c32", "-d2s", "-s", script, url]); // warm-up
  const r = await execa("wrk", ["-t2", "-c64", `-d${args.duration}s`, "--latency", "-s", script, url]);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]), p99: /^\s*99%\s+(\S+)/m.exec(r.stdout)?.[1] ?? "?", errors };
}

async function removeImages(env: DockerEnvironment): Promise<void> {
  const tags = Object.values(localImagesOf(env.spec));
  if (args.cold) tags.push("gatekit/node-base:bookworm", "gatekit/debian:bookworm");
  await execa("docker", ["rmi", "-f", ...tags], { reject: false });
  await execa("docker", ["builder", "prune", "-af"], { reject: false }); // no layer cache either
}

async function sizes(env: DockerEnvironment): Promise<string[]> {
  const lines: string[] = [];
  for (const [role, tag] of Object.entries(localImagesOf(env.spec))) {
    const bytes = Number((await execa("docker", ["image", "inspect", "-f", "{{.Size}}", tag])).stdout);
    lines.push(`| ${role} | ${tag} | ${(bytes / 1e6).toFixed(0)} MB |`);
  }
  return lines;
}

async function main() {
  if (!existsSync("/usr/bin/wrk")) throw new Error("wrk is not installed (apt-get install wrk)");
  const one = await devVariant(`bench${process.pid}a`, 1);
  const two = await devVariant(`bench${process.pid}b`, 2);
  await buildImages({ ...localImagesOf(one.spec), ...localImagesOf(two.spec) });

  const cached = await bringUp(one, false);
  const single = await rps(one).finally(() => destroyStack(cached.state));
  await execa("docker", ["volume", "rm", one.spec.postgres.volume], { reject: false });

  await removeImages(two);
  const built = await bringUp(two, true);
  const balanced = await rps(two).finally(() => destroyStack(built.state));
  await execa("docker", ["volume", "rm", two.spec.postgres.volume], { reject: false });

  console.log(`gatekit bench:deploy — ${(await import("node:os")).cpus().length} cores, Docker ${(await execa("docker", ["version", "-f", "{{.Server.Version}}"])).stdout}\n`);
  console.log(`from nothing to healthy, images cached (dev: postgres, redis, gateway):       ${seconds(cached.ms)}`);
  console.log(`from nothing to healthy, images built first${args.cold ? " (bases too)" : ""} (two instances + balancer): ${seconds(built.ms)}\n`);
  console.log("| image | tag | size |\n|---|---|---:|");
  console.log((await sizes(two)).join("\n"));
  console.log(`\n| path | RPS | p99 | non-2xx |\n|---|---:|---:|---:|`);
  console.log(`| one instance (2 workers), published port | ${single.rps.toFixed(0)} | ${single.p99} | ${single.errors} |`);
  console.log(`| load balancer → two instances (2 workers each) | ${balanced.rps.toFixed(0)} | ${balanced.p99} | ${balanced.errors} |`);
}

await main();
