// `gatekit probe`: one small call to every deployment of model_list (not only every model name), made by the
// gateway itself (its network, its credentials), with a bound on concurrency; latency, tokens, error class.
import type { Target } from "./check.ts";

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

export async function probeDeployments(target: Target, concurrency: number): Promise<{ rows: ProbeRow[]; note?: string }> {
  const headers: Record<string, string> = target.masterKey ? { authorization: `Bearer ${target.masterKey}` } : {};
  const res = await fetch(`${target.api}/gatekit/probe?concurrency=${concurrency}`, { headers, signal: AbortSignal.timeout(300_000) });
  if (res.status === 200) return { rows: ((await res.json()) as { data: ProbeRow[] }).data };
  if (res.status !== 404) throw new Error(`${target.api}/gatekit/probe answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  // LiteLLM's proxy: its /health probes every deployment too, without latency or tokens.
  const health = await fetch(`${target.api}/health`, { headers, signal: AbortSignal.timeout(300_000) });
  if (health.status !== 200) throw new Error(`${target.api}/health answered ${health.status}`);
  const body = (await health.json()) as Record<"healthy_endpoints" | "unhealthy_endpoints", { model: string; model_name?: string; model_id?: string; api_base?: string; error?: string }[]>;
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
