// Spend by day, key or model over a range, aggregated by the gateway (/global/spend/logs, /global/spend/keys,
// /global/spend/models); a chart of the days and a table of the chosen grouping, exported as CSV.
import { useState } from "preact/hooks";
import { api, qs } from "../api.ts";
import { downloadCsv, int, keyLabel, usd } from "../format.ts";
import { Chart, Problem, useLoad } from "../parts.tsx";

interface Day { date: string; spend: number; requests: number; total_tokens: number }
interface ByKey { api_key: string; key_alias: string | null; key_name: string | null; total_spend: number; requests: number; total_tokens: number }
interface ByModel { model: string; total_spend: number; requests: number; total_tokens: number }
type Row = { label: string; spend: number; requests: number; tokens: number };

const GROUPS = { day: "Day", key: "Key", model: "Model" } as const;

const dayString = (d: Date) => d.toISOString().slice(0, 10);

export function Spend() {
  const [days, setDays] = useState(30);
  const [group, setGroup] = useState<keyof typeof GROUPS>("day");
  const range = { start_date: dayString(new Date(Date.now() - (days - 1) * 86_400_000)), end_date: dayString(new Date()) };
  const daily = useLoad(() => api<Day[]>(`/global/spend/logs${qs(range)}`), [days]);
  const grouped = useLoad<Row[]>(async () => {
    if (group === "key") return (await api<ByKey[]>(`/global/spend/keys${qs({ ...range, limit: 100 })}`)).map((r) => ({ label: keyLabel(r), spend: r.total_spend, requests: r.requests, tokens: r.total_tokens }));
    if (group === "model") return (await api<ByModel[]>(`/global/spend/models${qs({ ...range, limit: 100 })}`)).map((r) => ({ label: r.model, spend: r.total_spend, requests: r.requests, tokens: r.total_tokens }));
    return [];
  }, [days, group]);
  const rows: Row[] = group === "day" ? (daily.data ?? []).map((d) => ({ label: d.date, spend: d.spend, requests: d.requests, tokens: d.total_tokens })) : (grouped.data ?? []);
  const total = (daily.data ?? []).reduce((a, d) => a + d.spend, 0);
  const chartDays = everyDay(daily.data ?? [], days);
  return (
    <>
      <div class="toolbar">
        <label for="range">Range</label>
        <select id="range" value={days} onChange={(e) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
          <option value={90}>Last 90 days</option>
        </select>
        <fieldset class="segmented">
          <legend>Group by</legend>
          {Object.entries(GROUPS).map(([g, l]) => (
            <label key={g}><input type="radio" name="group" value={g} checked={group === g} onChange={() => setGroup(g as keyof typeof GROUPS)} /> {l}</label>
          ))}
        </fieldset>
        <button type="button" onClick={() => downloadCsv(`spend-by-${group}-${range.start_date}-${range.end_date}.csv`, [group, "spend_usd", "requests", "tokens"], rows.map((r) => [r.label, r.spend, r.requests, r.tokens]))}>Export CSV</button>
      </div>
      <Problem error={daily.error ?? grouped.error} />
      <p class="count" id="spend-total">Total {usd(total)} from {range.start_date} to {range.end_date}</p>
      {daily.data && daily.data.length > 0 && (
        <figure>
          <figcaption>Spend per day (USD)</figcaption>
          <Chart x={chartDays.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000)} summary={`Spend per day, ${usd(total)} in all over ${daily.data.length} days with traffic`}
            series={[{ label: "spend", values: chartDays.map((d) => d.spend), color: "#2e7d32", bars: true }]} />
        </figure>
      )}
      {daily.data && daily.data.length === 0 && <p>No spend in this range.</p>}
      <table class="spend">
        <caption class="sr-only">Spend by {GROUPS[group].toLowerCase()}</caption>
        <thead><tr><th scope="col">{GROUPS[group]}</th><th scope="col" class="num">Spend</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Tokens</th></tr></thead>
        <tbody>{rows.map((r) => <tr key={r.label}><th scope="row">{r.label}</th><td class="num">{usd(r.spend)}</td><td class="num">{int(r.requests)}</td><td class="num">{int(r.tokens)}</td></tr>)}</tbody>
      </table>
    </>
  );
}

/** Every day of the range, days without spend as zeros: the chart spans the whole range. */
function everyDay(rows: Day[], days: number): Day[] {
  const byDate = new Map(rows.map((r) => [r.date, r]));
  return Array.from({ length: days }, (_, i) => dayString(new Date(Date.now() - (days - 1 - i) * 86_400_000))).map((date) => byDate.get(date) ?? { date, spend: 0, requests: 0, total_tokens: 0 });
}
