// Models: every deployment with its provider and, as the gateway's router sees it, cooldown, last error and
// latency; "Probe" calls one deployment once through /gatekit/probe.
import { useState } from "preact/hooks";
import { api, qs } from "../api.ts";
import { ms, time } from "../format.ts";
import { Problem, useLoad } from "../parts.tsx";

interface Deployment {
  model_name: string; model_id: string; provider: string; model: string; api_base: string | null; mock: boolean;
  cooldown_until: string | null; last_error: { error_class: string; at: string } | null; latency_ms: number | null; in_flight: number;
}
interface Probe { ok: boolean; latency_ms: number; error_class: string | null; error: string | null }

export function Models() {
  const models = useLoad(() => api<{ data: Deployment[] }>("/gatekit/models"), []);
  const [probes, setProbes] = useState<Record<string, Probe | "running" | string>>({});
  const probe = async (d: Deployment) => {
    setProbes((p) => ({ ...p, [d.model_id]: "running" }));
    try {
      const r = await api<{ data: Probe[] }>(`/gatekit/probe${qs({ model_id: d.model_id })}`);
      setProbes((p) => ({ ...p, [d.model_id]: r.data[0]! }));
      models.reload();
    } catch (e) {
      setProbes((p) => ({ ...p, [d.model_id]: (e as Error).message }));
    }
  };
  return (
    <>
      <Problem error={models.error} />
      <table class="models">
        <caption class="sr-only">Deployments</caption>
        <thead><tr><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Health</th><th scope="col">Last error</th><th scope="col" class="num">Latency</th><th scope="col">Probe</th></tr></thead>
        <tbody>
          {models.data?.data.map((d) => {
            const p = probes[d.model_id];
            return (
              <tr key={d.model_id}>
                <th scope="row">{d.model_name}<div class="sub">{d.model}{d.api_base ? ` · ${d.api_base}` : ""}</div></th>
                <td>{d.mock ? `${d.provider} (mock)` : d.provider}</td>
                <td>{d.cooldown_until ? <span class="badge bad">cooling down until {time(d.cooldown_until)}</span> : d.last_error ? <span class="badge warn">failing</span> : <span class="badge ok">healthy</span>}</td>
                <td>{d.last_error ? `${d.last_error.error_class} at ${time(d.last_error.at)}` : "none"}</td>
                <td class="num">{ms(d.latency_ms)}</td>
                <td>
                  <button type="button" disabled={p === "running"} onClick={() => probe(d)} aria-label={`Probe ${d.model_name} (${d.model_id})`}>{p === "running" ? "Probing…" : "Probe"}</button>
                  <span class="probe-result" aria-live="polite">
                    {typeof p === "object" ? (p.ok ? ` ok in ${ms(p.latency_ms)}` : ` ${p.error_class}: ${p.error ?? ""}`) : p && p !== "running" ? ` ${p}` : ""}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
