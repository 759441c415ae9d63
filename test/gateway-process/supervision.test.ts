// The real process tree: recycling under load with zero failed requests, crashed workers replaced,
// SIGTERM draining in-flight requests, the health app's answers, and start-up refusals.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, gatekit } from "../support/cli.ts";
import { MASTER_KEY } from "../support/gateway.ts";
import { startGatewayProcess, waitFor, type GatewayProcess } from "../support/gateway-process.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { freePort } from "../support/ports.ts";

const MOCK = { model_list: [{ model_name: "mock", litellm_params: { model: "openai/mock", mock_response: "hi there" } }] };
const client = (gw: GatewayProcess) => new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

describe("worker recycling", () => {
  it("replaces workers after their request budget (with jitter) and fails no request under load", async () => {
    const gw = await startGatewayProcess(MOCK, { workers: 2, args: ["--max_requests_before_restart", "20", "--max_requests_before_restart_jitter", "5"] });
    try {
      const pids = new Set<string>();
      let failed = 0;
      let ok = 0;
      const oai = client(gw);
      const worker = async (n: number) => {
        for (let i = 0; i < n; i++) {
          try {
            const { response } = await oai.chat.completions.create({ model: "mock", messages: [{ role: "user", content: "x" }] }).withResponse();
            pids.add(response.headers.get("x-gatekit-worker")!);
            ok++;
          } catch {
            failed++;
          }
        }
      };
      // A replacement worker needs a moment to start, so the load runs long enough for several generations.
      await Promise.all(Array.from({ length: 16 }, () => worker(150)));
      console.log(`recycling under load: ${ok} ok, ${failed} failed, ${pids.size} distinct worker processes served`);
      expect(failed).toBe(0);
      expect(ok).toBe(16 * 150);
      expect(pids.size).toBeGreaterThanOrEqual(4);
      await waitFor(async () => (await gw.readiness()).body.live_workers === 2, 10_000);
    } finally {
      await gw.stop();
    }
  }, 120_000);
});

describe("crashes, health and drain", () => {
  let upstream: MockUpstream;
  let gw: GatewayProcess;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gw = await startGatewayProcess({
      model_list: [...MOCK.model_list, { model_name: "slow", litellm_params: { model: "openai/slow-1500", api_base: upstream.url } }],
    }, { workers: 2, args: ["--graceful_shutdown_timeout", "30"] });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  it("health app: liveliness is LiteLLM's JSON string, readiness reports workers and dependencies", async () => {
    const live = await fetch(`${gw.healthUrl}/health/liveliness`);
    expect(live.status).toBe(200);
    expect(await live.json()).toBe("I'm alive!");
    expect((await fetch(`${gw.healthUrl}/health/liveness`)).status).toBe(200);
    const ready = await gw.readiness();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "healthy", live_workers: 2, num_workers: 2, db: expect.any(String), cache: expect.any(String), version: expect.any(String) });
  });

  it("a killed worker is replaced and requests keep being served", async () => {
    const { response } = await client(gw).chat.completions.create({ model: "mock", messages: [{ role: "user", content: "x" }] }).withResponse();
    const pid = Number(response.headers.get("x-gatekit-worker"));
    process.kill(pid, "SIGKILL");
    await waitFor(async () => (await gw.readiness()).body.live_workers === 1, 5000).catch(() => {});
    await waitFor(async () => (await gw.readiness()).body.live_workers === 2, 15_000);
    const again = await client(gw).chat.completions.create({ model: "mock", messages: [{ role: "user", content: "x" }] });
    expect(again.choices[0]!.message.content).toBe("hi there");
  });

  it("SIGTERM drains: liveliness says shutting_down, the in-flight request completes, exit 0", async () => {
    const inflight = client(gw).chat.completions.create({ model: "slow", messages: [{ role: "user", content: "finish me" }] });
    await new Promise((r) => setTimeout(r, 400));
    gw.proc.kill("SIGTERM");
    await waitFor(async () => (await fetch(`${gw.healthUrl}/health/liveliness`)).status === 503, 3000);
    const draining = await fetch(`${gw.healthUrl}/health/liveliness`);
    expect(await draining.json()).toEqual({ status: "shutting_down" });
    expect((await fetch(`${gw.healthUrl}/health/readiness`)).status).toBe(503);
    const answer = await inflight;
    expect(answer.choices[0]!.message.content).toBe('echo: "finish me"');
    const result = await gw.proc;
    expect(result.exitCode).toBe(0);
  }, 30_000);
});

describe("shared router state", () => {
  it("a cooldown decided by one worker is honoured by the others", async () => {
    const upstream = await startMockOpenAI();
    const deployment = (model: string, id: string) => ({ model_name: "pair", litellm_params: { model: `openai/${model}`, api_base: upstream.url }, model_info: { id } });
    const gw = await startGatewayProcess({
      model_list: [deployment("error-503", "bad"), deployment("good", "good")],
      router_settings: { num_retries: 0, allowed_fails: 1, cooldown_time: 60 },
    }, { workers: 2 });
    // One keep-alive socket per agent: every request of an agent reaches the same worker.
    const onOneSocket = () => new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ask = (agent: http.Agent) => new Promise<string>((resolve, reject) => {
      const req = http.request(`${gw.url}/v1/chat/completions`, { method: "POST", agent, headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.headers["x-gatekit-worker"])));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ model: "pair", messages: [{ role: "user", content: "x" }] }));
    });
    const badCalls = () => upstream.requests.filter((q) => q.body.model === "error-503").length;
    try {
      const first = onOneSocket();
      let workerA = "";
      while (badCalls() < 2) workerA = await ask(first); // worker A fails twice: cooldown, announced
      await new Promise((r) => setTimeout(r, 200));
      let other = onOneSocket();
      for (let i = 0; i < 10 && (await ask(other)) === workerA; i++) other = onOneSocket();
      const before = badCalls();
      for (let i = 0; i < 20; i++) expect(await ask(other)).not.toBe(workerA);
      console.log(`shared cooldown: worker ${workerA} cooled the deployment down after ${before} failures; the other worker then called it ${badCalls() - before} times in 20 requests`);
      expect(badCalls()).toBe(before);
    } finally {
      await gw.stop();
      await upstream.close();
    }
  }, 60_000);
});

/** Resolves at the primary's "listening on" line, or when the process ends without one. */
const primaryListening = (proc: ResultPromise) =>
  new Promise<void>((resolve) => {
    proc.stdout!.on("data", (d: Buffer) => String(d).includes("listening on") && resolve());
    void proc.then(() => resolve());
  });

describe("start-up", () => {
  it("a bad config exits non-zero before listening, naming file and path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-bad-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "model_list:\n  - model_name: m\n    litellm_params: { model: openai/x, api_key: os.environ/MISSING_PROVIDER_KEY }\n");
    const r = await gatekit(["gateway", "--config", file, "--port", "1"], { env: { LITELLM_MODE: "PRODUCTION" } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${file} model_list[0].litellm_params.api_key: environment variable MISSING_PROVIDER_KEY is not set`);
  });

  it("--help, --version and a bad flag", async () => {
    expect((await gatekit(["gateway", "--help"])).stdout).toContain("--num_workers");
    expect((await gatekit(["gateway", "--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await gatekit(["gateway", "--num_workers", "two"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("--num_workers must be a whole number");
  });

  it("SIGTERM while the workers are still starting: each drains as it comes up, and the gateway exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-early-stop-"));
    writeFileSync(join(dir, "config.yaml"), JSON.stringify(MOCK));
    const proc = execa(process.execPath, [BIN, "gateway", "--config", join(dir, "config.yaml"), "--host", "127.0.0.1", "--port", String(await freePort()), "--num_workers", "2"], {
      cwd: dir, reject: false, env: { LITELLM_MODE: "PRODUCTION", LITELLM_MASTER_KEY: MASTER_KEY },
    });
    try {
      // The primary's "listening" line comes just before it forks the workers (and handles SIGTERM), a second
      // or more before they listen.
      await primaryListening(proc);
      await new Promise((r) => setTimeout(r, 150));
      proc.kill("SIGTERM");
      const result = await proc;
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain("all workers finished; exiting");
    } finally {
      proc.kill("SIGKILL"); // a gateway that never finished its drain would outlive the test
    }
  }, 60_000);

  it("SIGTERM while the embedded database starts: kept until the primary can drain, then an exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-db-stop-"));
    writeFileSync(join(dir, "config.yaml"), JSON.stringify(MOCK));
    const data = join(dir, "data");
    const proc = execa(process.execPath, [BIN, "gateway", "--config", join(dir, "config.yaml"), "--host", "127.0.0.1", "--port", String(await freePort())], {
      cwd: dir, reject: false, env: { LITELLM_MODE: "PRODUCTION", LITELLM_MASTER_KEY: MASTER_KEY, GATEKIT_DATA_DIR: data },
    });
    try {
      // The data folder is made as PGlite starts, a second or more before the primary listens.
      await waitFor(async () => existsSync(data), 30_000, () => proc.exitCode !== null);
      proc.kill("SIGTERM");
      const result = await proc;
      expect(result.signal).toBeUndefined(); // not killed by the signal's default action
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('"signal":"SIGTERM"');
      expect(result.stdout).toContain("all workers finished; exiting");
    } finally {
      proc.kill("SIGKILL");
    }
  }, 60_000);

  it("a refusal after the embedded database started (another salt key) closes it first: exit 1, its socket gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-db-salt-"));
    writeFileSync(join(dir, "config.yaml"), JSON.stringify({ ...MOCK, general_settings: { store_model_in_db: true } }));
    const data = join(dir, "data");
    const port = await freePort();
    const run = (salt: string) => execa(process.execPath, [BIN, "gateway", "--config", join(dir, "config.yaml"), "--host", "127.0.0.1", "--port", String(port)], {
      cwd: dir, reject: false, all: true, env: { LITELLM_MODE: "PRODUCTION", LITELLM_MASTER_KEY: MASTER_KEY, GATEKIT_DATA_DIR: data, LITELLM_SALT_KEY: salt },
    });
    const first = run("sk-salt-the-data-is-written-with");
    try {
      await primaryListening(first);
      first.kill("SIGTERM");
      expect((await first).exitCode).toBe(0);
    } finally {
      first.kill("SIGKILL");
    }
    const second = await run("sk-another-salt-key");
    expect(second.exitCode).toBe(1);
    expect(second.all).toMatch(/LITELLM_SALT_KEY is not the salt key/);
    expect(existsSync(join(data, ".s.PGSQL.5432"))).toBe(false); // the socket server stopped before the exit
  }, 90_000);

  it("LITELLM_MODE=PRODUCTION never reads .env; DEV does", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "gatekit-dotenv-"));
    writeFileSync(join(cwd, ".env"), "LITELLM_MASTER_KEY=sk-from-dotenv-file-0123456789abcdef\n");
    const ask = async (gw: GatewayProcess) => (await fetch(`${gw.url}/v1/models`)).status;
    const prod = await startGatewayProcess(MOCK, { cwd, env: { LITELLM_MODE: "PRODUCTION" }, unset: ["LITELLM_MASTER_KEY"] });
    const dev = await startGatewayProcess(MOCK, { cwd, env: { LITELLM_MODE: "DEV" }, unset: ["LITELLM_MASTER_KEY"] });
    try {
      expect(await ask(prod)).toBe(200); // no key configured: .env was not read
      expect(await ask(dev)).toBe(401); // the key from .env is required
    } finally {
      await Promise.all([prod.stop(), dev.stop()]);
    }
  }, 60_000);
});

describe("worker flags", () => {
  const workerArgv = async (gw: GatewayProcess) => {
    const { response } = await client(gw).chat.completions.create({ model: "mock", messages: [{ role: "user", content: "x" }] }).withResponse();
    return readFileSync(`/proc/${response.headers.get("x-gatekit-worker")}/cmdline`, "utf8").split("\0");
  };

  it("workers get a 32 MiB young generation, unless NODE_OPTIONS names one, and no memory reducer", async () => {
    const [standard, chosen] = await Promise.all([startGatewayProcess(MOCK), startGatewayProcess(MOCK, { env: { NODE_OPTIONS: "--max-semi-space-size=64" } })]);
    try {
      expect(await workerArgv(standard)).toEqual(expect.arrayContaining(["--max-semi-space-size=32", "--no-memory-reducer"]));
      expect((await workerArgv(chosen)).filter((a) => a.includes("semi-space"))).toEqual([]);
    } finally {
      await Promise.all([standard.stop(), chosen.stop()]);
    }
  }, 60_000);
});
