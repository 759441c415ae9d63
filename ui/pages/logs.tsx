// Logs: the spend logs (successes and failures), filtered and paginated by the gateway (/spend/logs/ui).
import { useState } from "preact/hooks";
import { api, qs, type Who } from "../api.ts";
import { int, keyLabel, ms, time, usd } from "../format.ts";
import { Pager, Problem, useLoad } from "../parts.tsx";

interface Log {
  request_id: string; api_key: string; key_alias: string | null; model_group: string; model: string; status: string; error_class: string | null;
  spend: number; total_tokens: number; startTime: string; endTime: string;
}
interface LogPage { data: Log[]; total: number; total_is_lower_bound: boolean; page: number; total_pages: number }
interface Filters { key: string; model: string; status_filter: string; start_date: string; end_date: string }

const EMPTY: Filters = { key: "", model: "", status_filter: "", start_date: "", end_date: "" };
const HASH = /^[0-9a-f]{64}$/;

export function Logs({ who }: { who: Who }) {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string>();
  // A key is named by its alias or hash: the key itself never goes into a URL.
  const { key, ...rest } = filters;
  const logs = useLoad(() => api<LogPage>(`/spend/logs/ui${qs({ ...rest, ...(HASH.test(key) ? { api_key: key } : { key_alias: key }), page, page_size: 50 })}`), [filters, page]);
  const apply = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    if (String(f.get("key") ?? "").trim().startsWith("sk-")) return setError("Name the key by its alias or hash, not the key itself.");
    setError(undefined);
    setFilters(Object.fromEntries(Object.keys(EMPTY).map((k) => [k, String(f.get(k) ?? "").trim()])) as unknown as Filters);
    setPage(1);
  };
  return (
    <>
      <form class="toolbar filters" onSubmit={apply} aria-label="Log filters">
        {who.admin && (
          <div class="field"><label for="l-key">Key alias or hash</label><input id="l-key" name="key" autocomplete="off" /></div>
        )}
        <div class="field"><label for="l-model">Model</label><input id="l-model" name="model" /></div>
        <div class="field">
          <label for="l-status">Status</label>
          <select id="l-status" name="status_filter"><option value="">Any</option><option value="success">Success</option><option value="failure">Failure</option></select>
        </div>
        <div class="field"><label for="l-from">From</label><input id="l-from" name="start_date" type="date" /></div>
        <div class="field"><label for="l-to">To</label><input id="l-to" name="end_date" type="date" /></div>
        <button type="submit">Filter</button>
      </form>
      <Problem error={error ?? logs.error} />
      <p class="count" aria-live="polite">{logs.data ? `${int(logs.data.total)}${logs.data.total_is_lower_bound ? "+" : ""} requests` : "Loading…"}</p>
      <table class="logs">
        <caption class="sr-only">Requests, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Key</th><th scope="col">Model</th><th scope="col">Status</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Spend</th><th scope="col" class="num">Duration</th></tr></thead>
        <tbody>
          {logs.data?.data.map((l) => (
            <tr key={l.request_id}>
              <td>{time(l.startTime)}</td>
              <td>{l.api_key ? keyLabel(l) : "master key"}</td>
              <td>{l.model_group || l.model}</td>
              <td>{l.status === "failure" ? <span class="badge bad">{l.error_class ?? "failure"}</span> : <span class="badge ok">success</span>}</td>
              <td class="num">{int(l.total_tokens)}</td>
              <td class="num">{usd(l.spend)}</td>
              <td class="num">{ms(Date.parse(l.endTime) - Date.parse(l.startTime))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {logs.data && <Pager label="Logs" page={page} pages={logs.data.total_pages} onPage={setPage} />}
    </>
  );
}
