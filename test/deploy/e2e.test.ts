// End to end on the live Docker engine: the `dev` environment, and a two-instance variant behind the load
// balancer, synthesized as `gatekit synth` does and applied by the engine applier (Terraform can't install
// the Docker provider here). Against each running stack: health, the official SDK, a virtual key's spend row
// in Postgres, losing a gateway instance (drained, then killed), a Postgres outage under load with every spend
// row landing once, a redeploy that keeps the data, and a teardown that leaves nothing behind.
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../lib/images/build.ts";
import { LOCAL_IMAGES, localImagesOf } from "../../lib/model/images.ts";
import { spendJournalVolume } from "../../lib/model/resolve.ts";
import { loadEnvironment } from "../../lib/spec/load.ts";
import type { DockerEnvironment as Environment } from "../../lib/spec/schema.ts";
import { REPO } from "../support/cli.ts";
import { applyStack, destroyStack, type StackState } from "../support/engine-applier.ts";
import { waitFor } from "../support/gateway-process.ts";
import { devVariant, synthStack, TF_VARS } from "../support/stacks.ts";
import { rollingRestart, stackStatus, streamLogs } from "../../lib/ops/docker.ts";
import { TEST_VARS } from "../support/vars.ts";

const KEY = TEST_VARS.LITELLM_MASTER_KEY!;
const out = mkdtempSync(join(tmpdir(), "gatekit-e2e-"));
const variant = devVariant;
const synth = (env: Environment) => synthStack(env, out);
const journalVolumes = (env: Environment) => env.spec.gateway.spend_journal.storage === "volume"
  ? Array.from({ length: env.spec.gateway.instances }, (_, i) => spendJournalVolume(env.name, env.spec, i)) : [];

const sdk = (env: Environment, key = KEY) => new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${env.spec.gateway.port}/v1`, maxRetries: 0 });
const docker = (...args: string[]) => execa("docker", args, { reject: false });
const names = async (kind: "ps" | "network" | "volume", prefix: string) => {
  const args = { ps: ["ps", "-a", "--format", "{{.Names}}"], network: ["network", "ls", "--format", "{{.Name}}"], volume: ["volume", "ls", "--format", "{{.Name}}"] }[kind];
  return (await docker(...args)).stdout.split("\n").filter((n) => n.includes(prefix));
};
const health = async (container: string) => (await docker("inspect", "-f", "{{.State.Health.Status}}", container)).stdout.trim();
const psql = async (env: Environment, sql: string) =>
  (await docker("exec", "-e", `PGPASSWORD=${TEST_VARS.POSTGRES_PASSWORD}`, `${env.name}-postgres`, "psql", "-h", "127.0.0.1", "-U", "litellm", "-d", "litellm", "-tAc", sql)).stdout.trim();

/** Chat requests from `concurrency` loops until stopped; each result with when it started. */
function load(env: Environment, key: string, concurrency: number) {
  const results: { at: number; ok: boolean; status: number }[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const at = Date.now();
      const status = await fetch(`http://127.0.0.1:${env.spec.gateway.port}/v1/chat/completions`, {
        method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "load" }] }),
      }).then(async (r) => (await r.arrayBuffer(), r.status), () => 0);
      results.push({ at, ok: status === 200, status });
    }
  });
  return { results, stop: async () => ((running = false), await Promise.all(loops), results) };
}

/** Failed requests by status (0: no HTTP answer), for messages. */
function failures(results: { ok: boolean; status: number; at: number }[], since = 0): string {
  const counts = new Map<number, number>();
  for (const r of results) if (!r.ok) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const times = results.filter((r) => !r.ok).map((r) => r.at - since);
  return `${[...counts].map(([s, n]) => `${n}×${s}`).join(", ") || "none"}${since && times.length ? ` at ${Math.min(...times)}…${Math.max(...times)} ms` : ""}`;
}

async function smoke(env: Environment): Promise<void> {
  const client = sdk(env);
  const chat = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  expect(chat.choices[0]?.message.content).toBe("Hello from gatekit's mock model.");
  let streamed = "";
  for await (const chunk of await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true })) {
    streamed += chunk.choices[0]?.delta.content ?? "";
  }
  expect(streamed).toBe("Hello from gatekit's mock model.");
  const embedding = await client.embeddings.create({ model: "text-embedding-3-small", input: "hello" });
  expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
}

async function newKey(env: Environment): Promise<{ key: string; token: string }> {
  const r = await fetch(`http://127.0.0.1:${env.spec.gateway.port}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ key_alias: "e2e" }) });
  return (await r.json()) as { key: string; token: string };
}

const spendRows = async (env: Environment, token: string) => {
  const [rows, distinct] = (await psql(env, `SELECT count(*), count(DISTINCT request_id) FROM "LiteLLM_SpendLogs" WHERE api_key = '${token}'`)).split("|").map(Number);
  return { rows: rows!, distinct: distinct! };
};

beforeAll(async () => {
  const engine = await execa("bash", ["scripts/docker-engine.sh"], { cwd: REPO, reject: false });
  if (engine.exitCode !== 0) throw new Error(`no Docker engine: ${engine.stdout}${engine.stderr}`);
  const dev = loadEnvironment("dev") as Environment;
  await buildImages({ ...localImagesOf(dev.spec), load_balancer: LOCAL_IMAGES.load_balancer, prometheus: LOCAL_IMAGES.prometheus }, { root: REPO });
}, 900_000);

describe("dev on the live engine", () => {
  let env: Environment;
  let state: StackState | undefined;
  const volumesBefore: string[] = [];

  beforeAll(async () => {
    env = await variant(`e2e${process.pid}a`, 1);
    volumesBefore.push(...(await names("volume", "")));
    const t0 = Date.now();
    state = await applyStack(synth(env), TF_VARS);
    console.log(`dev stack healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s (images cached)`);
  }, 300_000);

  afterAll(async () => {
    if (state) await destroyStack(state);
    await docker("volume", "rm", env.spec.postgres.volume, ...journalVolumes(env));
  });

  it("every container is healthy and liveliness answers on the health port", async () => {
    for (const c of ["postgres", "redis", "gateway-1"]) expect(await health(`${env.name}-${c}`)).toBe("healthy");
    const live = await fetch(`http://127.0.0.1:${env.spec.gateway.health_port}/health/liveliness`);
    expect(await live.json()).toBe("I'm alive!");
  });

  it("serves the official SDK: chat, streaming, embeddings", async () => smoke(env));

  it("a virtual key made through the admin API is used, and its spend row lands in Postgres", async () => {
    const { key, token } = await newKey(env);
    await sdk(env, key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "spend" }] });
    await waitFor(async () => (await spendRows(env, token)).rows === 1, 20_000);
  });

  it("keeps answering while Postgres is stopped for 20 s, and every spend row lands once", async () => {
    const { key, token } = await newKey(env);
    const traffic = load(env, key, 4);
    await new Promise((r) => setTimeout(r, 2000)); // every worker has the key cached
    const stoppedAt = Date.now();
    await docker("stop", `${env.name}-postgres`);
    await new Promise((r) => setTimeout(r, 20_000));
    await docker("start", `${env.name}-postgres`);
    await new Promise((r) => setTimeout(r, 2000));
    const results = await traffic.stop();
    const served = results.filter((r) => r.ok).length;
    const failed = results.length - served;
    await waitFor(async () => (await health(`${env.name}-postgres`)) === "healthy", 60_000);
    // Rows held through the outage go out with the next batch (proxy_batch_write_at: 60 s) after Postgres is back.
    // The load repeats one prompt, so the dev stack's Redis cache answers most of it: those calls have rows too.
    await waitFor(async () => (await spendRows(env, token)).rows >= served, 75_000);
    const rows = await spendRows(env, token);
    console.log(`postgres outage 20 s: ${served} served, ${failed} failed (${failures(results, stoppedAt)}), ${rows.rows} spend rows (${rows.distinct} distinct), ${served - rows.rows} not in Postgres`);
    expect(failed).toBe(0);
    expect(rows.distinct).toBe(rows.rows);
    expect(rows.rows).toBe(served);
  }, 240_000);

  it("a redeploy that replaces Postgres keeps its data", async () => {
    const keysBefore = await psql(env, `SELECT count(*) FROM "LiteLLM_VerificationToken"`);
    const spendBefore = await psql(env, `SELECT count(*) FROM "LiteLLM_SpendLogs"`);
    const pgIdBefore = (await docker("inspect", "-f", "{{.Id}}", `${env.name}-postgres`)).stdout;
    env.spec.postgres.max_connections = 60;
    state = await applyStack(synth(env), TF_VARS, state);
    expect((await docker("inspect", "-f", "{{.Id}}", `${env.name}-postgres`)).stdout).not.toBe(pgIdBefore);
    expect(await psql(env, "SHOW max_connections")).toBe("60");
    expect(await psql(env, `SELECT count(*) FROM "LiteLLM_VerificationToken"`)).toBe(keysBefore);
    expect(await psql(env, `SELECT count(*) FROM "LiteLLM_SpendLogs"`)).toBe(spendBefore);
    await smoke(env);
  }, 180_000);

  it("teardown leaves no container, network or volume behind but the retained Postgres volume", async () => {
    // The volumes the stack's containers mount (anonymous ones too): other stacks may share the engine meanwhile.
    const mounted = new Set<string>();
    for (const c of await names("ps", `${env.name}-`)) {
      for (const v of (await docker("inspect", "-f", "{{range .Mounts}}{{.Name}} {{end}}", c)).stdout.split(" ").filter(Boolean)) mounted.add(v);
    }
    expect(mounted).toContain(env.spec.postgres.volume);
    await destroyStack(state!);
    state = undefined;
    expect(await names("ps", `${env.name}-`)).toEqual([]);
    expect(await names("network", `gatekit-${env.name}-`)).toEqual([]);
    const left = (await names("volume", "")).filter((v) => !volumesBefore.includes(v) && (mounted.has(v) || v.includes(env.name)));
    // Retained by design: Postgres' volume and each instance's spend journal (unwritten spend survives a destroy).
    expect(left.sort()).toEqual([env.spec.postgres.volume, ...journalVolumes(env)].sort());
  }, 120_000);
});

describe("two instances behind the load balancer", () => {
  let env: Environment;
  let state: StackState | undefined;

  beforeAll(async () => {
    env = await variant(`e2e${process.pid}b`, 2, { prometheus: true });
    const t0 = Date.now();
    state = await applyStack(synth(env), TF_VARS);
    console.log(`two-instance stack healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s (images cached)`);
  }, 300_000);

  afterAll(async () => {
    if (state) await destroyStack(state);
    await docker("volume", "rm", env.spec.postgres.volume, env.spec.monitoring.prometheus!.volume!, ...journalVolumes(env));
  });

  it("the balancer and both instances are healthy; the SDK is served through the balancer", async () => {
    for (const c of ["lb", "gateway-1", "gateway-2"]) expect(await health(`${env.name}-${c}`)).toBe("healthy");
    await smoke(env);
    const live = await fetch(`http://127.0.0.1:${env.spec.gateway.health_port}/health/liveliness`);
    expect(await live.json()).toBe("I'm alive!");
  });

  it("the stack's Prometheus scrapes both instances, and has the dashboard's request metric", async () => {
    const prometheus = `http://127.0.0.1:${env.spec.monitoring.prometheus!.port}`;
    type Targets = { data: { activeTargets: { health: string; labels: { instance: string } }[] } };
    await waitFor(async () => {
      const targets = ((await (await fetch(`${prometheus}/api/v1/targets`)).json()) as Targets).data.activeTargets;
      return targets.length === 2 && targets.every((t) => t.health === "up");
    }, 60_000);
    const query = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent("sum(litellm_proxy_total_requests_metric_total)")}`);
    const result = ((await query.json()) as { data: { result: { value: [number, string] }[] } }).data.result;
    expect(Number(result[0]?.value[1])).toBeGreaterThan(0);
  }, 90_000);

  it("gatekit status lists every container healthy; logs show one service", async () => {
    const rows = await stackStatus(env);
    expect(rows.map((r) => `${r.service}:${r.state}:${r.health}`).sort()).toEqual(
      ["gateway_1", "gateway_2", "load_balancer", "postgres", "prometheus", "redis"].map((k) => `${k}:running:healthy`),
    );
    const lines: string[] = [];
    await streamLogs(env, { service: "gateway_1", write: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes("gatekit gateway") && l.includes("listening"))).toBe(true);
  });

  it("a rolling restart under load fails no request", async () => {
    const traffic = load(env, KEY, 8);
    await new Promise((r) => setTimeout(r, 1000));
    const steps: string[] = [];
    await rollingRestart(env, (l) => steps.push(l));
    const results = await traffic.stop();
    console.log(`rolling restart of two instances: ${results.filter((r) => r.ok).length} served, ${results.filter((r) => !r.ok).length} failed; ${steps.join("; ")}`);
    expect(steps).toHaveLength(2);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  }, 180_000);

  it("an instance stopped under load (SIGTERM, drain) fails no request", async () => {
    const traffic = load(env, KEY, 8);
    await new Promise((r) => setTimeout(r, 1500));
    const stoppedAt = Date.now();
    await docker("stop", `${env.name}-gateway-1`); // returns once it has drained and exited
    await new Promise((r) => setTimeout(r, 1500));
    const results = await traffic.stop();
    console.log(`SIGTERM one of two instances: ${results.filter((r) => r.ok).length} served, ${results.filter((r) => !r.ok).length} failed (${failures(results, stoppedAt)})`);
    expect(results.length).toBeGreaterThan(200);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await docker("start", `${env.name}-gateway-1`);
    await waitFor(async () => (await health(`${env.name}-gateway-1`)) === "healthy", 60_000);
    await new Promise((r) => setTimeout(r, 3000)); // the balancer's checks see it up again (rise 2, a second apart)
  }, 120_000);

  it("an instance killed under load (SIGKILL) fails only requests in flight on it; later ones are served", async () => {
    const concurrency = 8;
    const traffic = load(env, KEY, concurrency);
    await new Promise((r) => setTimeout(r, 1500));
    await docker("kill", "-s", "KILL", `${env.name}-gateway-2`);
    const killedAt = Date.now(); // requests started before this may have been in flight on it
    await new Promise((r) => setTimeout(r, 3000));
    const results = await traffic.stop();
    const failed = results.filter((r) => !r.ok);
    console.log(`SIGKILL one of two instances: ${results.length - failed.length} served, ${failed.length} failed (${failures(results, killedAt)})`);
    expect(failed.length).toBeLessThanOrEqual(concurrency);
    expect(failed.every((r) => r.at <= killedAt)).toBe(true);
    expect(results.filter((r) => r.at > killedAt && r.ok).length).toBeGreaterThan(50);
  }, 120_000);

  it("teardown leaves no container or network behind", async () => {
    await destroyStack(state!);
    state = undefined;
    expect(await names("ps", `${env.name}-`)).toEqual([]);
    expect(await names("network", `gatekit-${env.name}-`)).toEqual([]);
  }, 120_000);
});
