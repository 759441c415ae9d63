// Overview: the last 24 hours from the spend logs (every instance's calls), spend over 1/7/30 days, and for the
// admin the gateway's own state: live workers, the database, Redis. Two API calls.
import { api, type Settings, type Who } from "../api.ts";
import { int, ms, usd } from "../format.ts";
import { Chart, Problem, Stat, useLoad } from "../parts.tsx";

interface OverviewData {
  requests_24h: number;
  failures_24h: number;
  p50_ms: number | null;
  p95_ms: number | null;
  errors_by_type: { error_class: string; count: number }[];
  spend: { today: number; last_7d: number; last_30d: number };
  series: { hour: number; requests: number; failures: number; spend: number; p95_ms: number | null }[];
}

export function Overview({ who }: { who: Who }) {
  const usage = useLoad(() => api<OverviewData>("/gatekit/overview"), []);
  const state = useLoad(() => (who.admin ? api<Settings>("/gatekit/settings") : Promise.resolve(undefined)), []);
  const o = usage.data;
  const s = state.data;
  const hours = o ? everyHour(o.series) : [];
  const x = hours.map((r) => r.hour);
  return (
    <>
      <Problem error={usage.error ?? state.error} />
      <section aria-labelledby="traffic">
        <h2 id="traffic">Last 24 hours</h2>
        <div class="stats">
          <Stat id="requests" label="Requests" value={int(o?.requests_24h)} />
          <Stat id="errors" label="Errors" value={int(o?.failures_24h)} />
          <Stat id="p50" label="p50 latency" value={ms(o?.p50_ms)} />
          <Stat id="p95" label="p95 latency" value={ms(o?.p95_ms)} />
        </div>
      </section>
      <section aria-labelledby="spend">
        <h2 id="spend">Spend</h2>
        <div class="stats">
          <Stat id="spend-today" label="Today (UTC)" value={usd(o?.spend.today)} />
          <Stat id="spend-7d" label="7 days" value={usd(o?.spend.last_7d)} />
          <Stat id="spend-30d" label="30 days" value={usd(o?.spend.last_30d)} />
        </div>
      </section>
      {who.admin && (
        <section aria-labelledby="gateway">
          <h2 id="gateway">Gateway</h2>
          <div class="stats">
            <Stat id="workers" label="Live workers" value={s ? `${s.live_workers ?? "?"}${s.num_workers ? ` of ${s.num_workers}` : ""}` : "—"} />
            <Stat id="database" label="Database" value={s ? `${s.database.status}${s.database.connections !== undefined ? ` (${s.database.connections}/${s.database.max_connections} connections)` : ""}` : "—"} />
            <Stat id="redis" label="Redis" value={s?.redis.status ?? "—"} />
          </div>
        </section>
      )}
      {o && (
        <section aria-labelledby="charts">
          <h2 id="charts">Per hour</h2>
          {o.requests_24h ? (
            <div class="charts">
              <figure>
                <figcaption>Requests and errors</figcaption>
                <Chart x={x} summary={`Requests per hour over the last 24 hours: ${o.requests_24h} in all, ${o.failures_24h} failed`}
                  series={[{ label: "requests", values: hours.map((r) => r.requests), color: "#1f5fa8" }, { label: "errors", values: hours.map((r) => r.failures), color: "#b3261e" }]} />
              </figure>
              <figure>
                <figcaption>Spend (USD)</figcaption>
                <Chart x={x} summary={`Spend per hour over the last 24 hours, ${usd(hours.reduce((a, r) => a + r.spend, 0))} in all`}
                  series={[{ label: "spend", values: hours.map((r) => r.spend), color: "#2e7d32", bars: true }]} />
              </figure>
              <figure>
                <figcaption>p95 latency (ms)</figcaption>
                <Chart x={x} summary={`p95 latency per hour; over the whole day ${ms(o.p95_ms)}`}
                  series={[{ label: "p95 ms", values: hours.map((r) => r.p95_ms), color: "#6a1b9a" }]} />
              </figure>
            </div>
          ) : <p>No requests in the last 24 hours.</p>}
        </section>
      )}
      {o && (
        <section aria-labelledby="errors-by-type">
          <h2 id="errors-by-type">Errors by type (24 hours)</h2>
          {o.errors_by_type.length ? (
            <table>
              <thead><tr><th scope="col">Error class</th><th scope="col" class="num">Count</th></tr></thead>
              <tbody>{o.errors_by_type.map((e) => <tr key={e.error_class}><td>{e.error_class}</td><td class="num">{int(e.count)}</td></tr>)}</tbody>
            </table>
          ) : <p>No errors.</p>}
        </section>
      )}
    </>
  );
}

/** The last 24 hours, one slot each, hours without traffic as zeros: the chart spans the whole day. */
function everyHour(series: OverviewData["series"]): OverviewData["series"] {
  const byHour = new Map(series.map((r) => [r.hour, r]));
  const now = Math.floor(Date.now() / 3_600_000) * 3600;
  return Array.from({ length: 24 }, (_, i) => now - (23 - i) * 3600).map((hour) => byHour.get(hour) ?? { hour, requests: 0, failures: 0, spend: 0, p95_ms: null });
}
