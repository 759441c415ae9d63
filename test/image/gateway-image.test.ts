// The gateway image on a real Docker engine: bundle, build on the locally made base, run read-only as non-root,
// and serve a chat through the published port with the official openai SDK.
import { execa } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleGateway } from "../../scripts/bundle-gateway.ts";
import { REPO } from "../support/cli.ts";
import { MASTER_KEY } from "../support/gateway.ts";
import { waitFor } from "../support/gateway-process.ts";
import { freePort } from "../support/ports.ts";

const TAG = "gatekit/gateway:test";
const NAME = `gatekit-image-test-${process.pid}`;
let api = "";
let health = "";

beforeAll(async () => {
  const engine = await execa("bash", ["scripts/docker-engine.sh"], { cwd: REPO, reject: false });
  if (engine.exitCode !== 0) throw new Error(`no Docker engine: ${engine.stdout}${engine.stderr}`);
  const base = await execa("bash", ["scripts/base-images.sh"], { cwd: REPO, reject: false });
  if (base.exitCode !== 0) throw new Error(`base images: ${base.stdout}${base.stderr}`);
  await bundleGateway();
  await execa("docker", ["build", "-q", "--network=host", "-f", "templates/gateway.Dockerfile", "--build-arg", "BASE_IMAGE=gatekit/node-base:bookworm", "-t", TAG, "."], { cwd: REPO });
  const dir = mkdtempSync(join(tmpdir(), "gatekit-image-"));
  writeFileSync(join(dir, "config.yaml"), "model_list:\n  - model_name: gpt-4o-mini\n    litellm_params: { model: openai/gpt-4o-mini, mock_response: 'hello from the container' }\n");
  const [port, healthPort] = [await freePort(), await freePort()];
  await execa("docker", [
    "run", "-d", "--name", NAME, "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
    "-p", `127.0.0.1:${port}:4000`, "-p", `127.0.0.1:${healthPort}:4001`,
    "-v", `${dir}/config.yaml:/app/config/config.yaml:ro`, "-e", `LITELLM_MASTER_KEY=${MASTER_KEY}`, TAG, "--port", "4000", "--config", "/app/config/config.yaml", "--num_workers", "2",
  ]);
  api = `http://127.0.0.1:${port}`;
  health = `http://127.0.0.1:${healthPort}`;
  await waitFor(async () => (await fetch(`${health}/health/readiness`)).status === 200, 30_000, () => false, () => "container never became ready");
}, 600_000);

afterAll(async () => {
  const logs = await execa("docker", ["logs", NAME], { reject: false });
  if (logs.stderr.includes(MASTER_KEY) || logs.stdout.includes(MASTER_KEY)) throw new Error("the master key appeared in the container's logs");
  await execa("docker", ["rm", "-f", NAME], { reject: false });
});

describe("gateway image", () => {
  it("serves the admin console from its own files (/app/ui), with its CSP", async () => {
    const page = await fetch(`${api}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    for (const asset of (await page.text()).match(/\/ui\/main-[\w-]+\.(js|css)/g)!) expect((await fetch(`${api}${asset}`)).status).toBe(200);
  });

  it("serves a chat through the published port", async () => {
    const oai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${api}/v1`, maxRetries: 0 });
    const r = await oai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(r.choices[0]!.message.content).toBe("hello from the container");
    expect(await (await fetch(`${health}/health/liveliness`)).json()).toBe("I'm alive!");
  });

  it("runs as a non-root user with the health check and ports it declares", async () => {
    const inspect = JSON.parse((await execa("docker", ["image", "inspect", TAG])).stdout)[0];
    expect(inspect.Config.User).toBe("10001:10001");
    expect(Object.keys(inspect.Config.ExposedPorts).sort()).toEqual(["4000/tcp", "4001/tcp"]);
    expect(inspect.Config.Healthcheck.Test.join(" ")).toContain("/health/liveliness");
    const uid = await execa("docker", ["exec", NAME, "node", "-e", "console.log(process.getuid())"]);
    expect(uid.stdout.trim()).toBe("10001");
    console.log(`gateway image size: ${(inspect.Size / 1e6).toFixed(0)} MB`);
  });

  it("becomes healthy by its own HEALTHCHECK", async () => {
    await waitFor(async () => (await execa("docker", ["inspect", "-f", "{{.State.Health.Status}}", NAME])).stdout.trim() === "healthy", 90_000);
  }, 100_000);
});
