// `gatekit probe`: one small call to every deployment of model_list (not only every model name), made by the
// gateway itself (its network, its credentials), with a bound on concurrency; latency, tokens, error class.
import { callGateway, type Target } from "./check.ts";

/** The gateway could not be asked: unreachable, the master key refused, an unexpected answer. Says what to do. */
export class ProbeError extends Error {}

export interface ProbeRow {
  model_name: string;
  model_id: string;
  model: string;
  api_base: string | null;
  ok: boolean;
  latency_ms: number | null;
  tokens: number | null;
  error_class: string | null;
  error: string | null;
}

/** GET with the master key: the answer, or a ProbeError saying why and what to do. */
async function getJson(target: Target, path: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await callGateway(target, `${target.api}${path}`, { timeoutMs: 300_000 });
  if (res.status === 0) {
    throw new ProbeError(`can't reach ${res.url} (${String(res.body)}): is the gateway running (gatekit status <env>), and is the address right (--url, or the spec's host.publish_address and gateway.port)? For the gateway \`npm start\` runs, \`gatekit probe\` without an environment probes localhost:4000.`);
  }
  if (res.status === 401 || res.status === 403) {
    const variable = target.keyVariable ?? "LITELLM_MASTER_KEY";
    throw new ProbeError(target.masterKey
      ? `${res.url} refused the master key (${res.status}): ${variable} (environment or .env) is not the key this deployment runs with; set it to that key`
      : `${res.url} needs the master key (${res.status}): set ${variable} (in the environment or .env) to the deployment's master key`);
  }
  return res;
}

export async function probeDeployments(target: Target, concurrency: number): Promise<{ rows: ProbeRow[]; note?: string }> {
  const probe = await getJson(target, `/gatekit/probe?concurrency=${concurrency}`);
  const data = (probe.body as { data?: unknown } | undefined)?.data;
  if (probe.status === 200 && Array.isArray(data)) return { rows: data as ProbeRow[] };
  if (probe.status !== 404) {
    throw new ProbeError(`${target.api}/gatekit/probe answered ${probe.status} ${probe.text.slice(0, 200)}: ${probe.status === 200 ? "not the gateway's probe results; is --url the gateway itself, not a proxy in front of it?" : "see gatekit logs <env> gateway"}`);
  }
  // LiteLLM's proxy: its /health probes every deployment too, without latency or tokens.
  const health = await getJson(target, "/health");
  const body = health.body as Record<"healthy_endpoints" | "unhealthy_endpoints", { model: string; model_name?: string; model_id?: string; api_base?: string; error?: string }[]> | undefined;
  if (health.status !== 200 || !Array.isArray(body?.healthy_endpoints) || !Array.isArray(body?.unhealthy_endpoints)) {
    throw new ProbeError(`${target.api}/gatekit/probe is not found and ${target.api}/health answered ${health.status} ${health.text.slice(0, 120)}: is --url a gateway (gatekit's or LiteLLM's proxy)?`);
  }
  const row = (e: (typeof body.healthy_endpoints)[number], ok: boolean): ProbeRow => ({
    model_name: e.model_name ?? e.model, model_id: e.model_id ?? "", model: e.model, api_base: e.api_base ?? null, ok,
    latency_ms: null, tokens: null, error_class: ok ? null : (/(\w+Error|Timeout)/.exec(e.error ?? "")?.[1] ?? "error"), error: e.error ?? null,
  });
  return { rows: [...body.healthy_endpoints.map((e) => row(e, true)), ...body.unhealthy_endpoints.map((e) => row(e, false))], note: "this proxy's /health reports no latency or tokens" };
}

export function probeTable(rows: ProbeRow[]): string {
  const lines = rows.map((r) => [r.ok ? "✓" : "✗", r.model_name, r.model, r.model_id, r.latency_ms === null ? "-" : `${r.latency_ms} ms`, r.tokens ?? "-", r.ok ? "" : `${r.error_class}: ${r.error ?? ""}`.slice(0, 90)]);
  const head = ["", "model_name", "model", "id", "latency", "tokens", "error"];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  return [head, ...lines].map((l) => l.map((c, i) => String(c).padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
