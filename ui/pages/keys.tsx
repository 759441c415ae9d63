// Keys: one page of keys at a time, searched and sorted by the gateway (GET /key/list with page, size,
// key_alias, sort_by, sort_order), so 500k keys cost the same as 50. Create, edit, block and delete; a new
// key is shown once.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, qs, type KeyRow } from "../api.ts";
import { int, keyLabel, time, usd } from "../format.ts";
import { Pager, Problem, useLoad } from "../parts.tsx";

const SIZE = 25;
const SORTS = { created_at: "Created", spend: "Spend", key_alias: "Alias", expires: "Expiry", max_budget: "Budget" } as const;

interface KeyPage { keys: KeyRow[]; total_count: number; current_page: number; total_pages: number }

export function Keys() {
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<keyof typeof SORTS>("created_at");
  const [order, setOrder] = useState<"asc" | "desc">("desc");
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<KeyRow | "new" | undefined>();
  const [deleting, setDeleting] = useState<KeyRow | undefined>();
  const [created, setCreated] = useState<string | undefined>();
  const [error, setError] = useState<string>();
  const list = useLoad(() => api<KeyPage>(`/key/list${qs({ page, size: SIZE, key_alias: search, sort_by: sort, sort_order: order, return_full_object: "true" })}`), [page, search, sort, order]);
  const act = async (what: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await what();
      list.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const onSearch = (e: Event) => {
    e.preventDefault();
    setSearch(((e.currentTarget as HTMLFormElement).elements.namedItem("search") as HTMLInputElement).value.trim());
    setPage(1);
  };
  return (
    <>
      <div class="toolbar">
        <form role="search" onSubmit={onSearch}>
          <label for="search">Alias starts with</label>
          <input id="search" name="search" type="search" />
          <button type="submit">Search</button>
        </form>
        <label for="sort">Sort by</label>
        <select id="sort" value={sort} onChange={(e) => (setSort((e.currentTarget as HTMLSelectElement).value as keyof typeof SORTS), setPage(1))}>
          {Object.entries(SORTS).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
        <label for="order">Order</label>
        <select id="order" value={order} onChange={(e) => (setOrder((e.currentTarget as HTMLSelectElement).value as "asc" | "desc"), setPage(1))}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
        <button type="button" class="primary" onClick={() => setEditing("new")}>Create key</button>
      </div>
      <Problem error={list.error ?? error} />
      <p class="count" aria-live="polite">{list.data ? `${int(list.data.total_count)} keys` : "Loading…"}</p>
      <table class="keys">
        <caption class="sr-only">Virtual keys, page {page}</caption>
        <thead>
          <tr><th scope="col">Key</th><th scope="col">Spend / budget</th><th scope="col">Models</th><th scope="col">Limits</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col">Actions</th></tr>
        </thead>
        <tbody>
          {list.data?.keys.map((k) => (
            <tr key={k.token} data-token={k.token}>
              <th scope="row">{keyLabel(k)}<div class="sub">{k.key_name}</div></th>
              <td><Budget spend={k.spend} max={k.max_budget} duration={k.budget_duration} /></td>
              <td>{k.models.length ? k.models.join(", ") : "all"}</td>
              <td>{[k.rpm_limit && `${int(k.rpm_limit)} rpm`, k.tpm_limit && `${int(k.tpm_limit)} tpm`, k.max_parallel_requests && `${k.max_parallel_requests} parallel`].filter(Boolean).join(", ") || "none"}</td>
              <td>{time(k.expires)}</td>
              <td>{k.blocked ? <span class="badge bad">blocked</span> : <span class="badge ok">active</span>}</td>
              <td class="actions">
                <button type="button" onClick={() => setEditing(k)} aria-label={`Edit ${keyLabel(k)}`}>Edit</button>
                <button type="button" onClick={() => act(() => api("/key/update", { body: { key: k.token, blocked: !k.blocked } }))} aria-label={`${k.blocked ? "Unblock" : "Block"} ${keyLabel(k)}`}>{k.blocked ? "Unblock" : "Block"}</button>
                <button type="button" class="danger" onClick={() => setDeleting(k)} aria-label={`Delete ${keyLabel(k)}`}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && <Pager label="Keys" page={page} pages={list.data.total_pages} onPage={setPage} />}
      {editing && <KeyForm row={editing === "new" ? undefined : editing} onClose={() => setEditing(undefined)} onSaved={(key) => (setEditing(undefined), list.reload(), key && setCreated(key))} />}
      {created && <NewKey secret={created} onClose={() => setCreated(undefined)} />}
      {deleting && (
        <Modal title={`Delete ${keyLabel(deleting)}?`} onClose={() => setDeleting(undefined)}>
          <p>Clients using this key are refused from now on. This cannot be undone.</p>
          <div class="buttons">
            <button type="button" class="danger" onClick={() => (setDeleting(undefined), act(() => api("/key/delete", { body: { keys: [deleting.token] } })))}>Delete key</button>
            <button type="button" onClick={() => setDeleting(undefined)}>Cancel</button>
          </div>
        </Modal>
      )}
    </>
  );
}

function Budget({ spend, max, duration }: { spend: number; max: number | null; duration: string | null }) {
  if (max === null) return <span>{usd(spend)} <span class="sub">no budget</span></span>;
  return (
    <span class="budget">
      {usd(spend)} of {usd(max)}{duration ? ` per ${duration}` : ""}
      <meter min={0} max={max || 1} value={Math.min(spend, max)} high={max * 0.8} optimum={0} aria-label="spend against budget" />
    </span>
  );
}

/** A modal <dialog>: focus moves in, Escape closes it, the page behind is inert. */
export function Modal({ title, onClose, children }: { title: string; onClose(): void; children: preact.ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onClose={onClose}>
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}

const numberOrNull = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === "" ? null : Number(v));
const textOrNull = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === "" ? null : String(v).trim());

function KeyForm({ row, onClose, onSaved }: { row?: KeyRow; onClose(): void; onSaved(newKey?: string): void }) {
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    let metadata: unknown;
    try {
      metadata = JSON.parse(String(f.get("metadata") || "{}"));
    } catch {
      return setError("metadata: expected a JSON object");
    }
    const body: Record<string, unknown> = {
      key_alias: textOrNull(f.get("key_alias")),
      models: String(f.get("models") ?? "").split(",").map((m) => m.trim()).filter(Boolean),
      max_budget: numberOrNull(f.get("max_budget")), budget_duration: textOrNull(f.get("budget_duration")),
      rpm_limit: numberOrNull(f.get("rpm_limit")), tpm_limit: numberOrNull(f.get("tpm_limit")), max_parallel_requests: numberOrNull(f.get("max_parallel_requests")),
      metadata,
    };
    const duration = textOrNull(f.get("duration"));
    if (duration || !row) body.duration = duration;
    try {
      if (row) {
        await api("/key/update", { body: { key: row.token, ...body } });
        onSaved();
      } else {
        onSaved((await api<{ key: string }>("/key/generate", { body })).key);
      }
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const field = (name: string, label: string, value: unknown, attrs: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} name={name} defaultValue={value === null || value === undefined ? "" : String(value)} {...attrs} />
    </div>
  );
  return (
    <Modal title={row ? `Edit ${keyLabel(row)}` : "Create key"} onClose={onClose}>
      <form onSubmit={submit} class="grid">
        {field("key_alias", "Alias", row?.key_alias)}
        {field("models", "Models (comma-separated; empty = all)", row?.models.join(", "))}
        {field("max_budget", "Max budget (USD)", row?.max_budget, { type: "number", min: 0, step: "any" })}
        {field("budget_duration", "Budget period (e.g. 30d)", row?.budget_duration, { pattern: "\\d+[smhd]" })}
        {field("duration", row ? "New expiry from now (e.g. 30d; empty = unchanged)" : "Expires after (e.g. 30d; empty = never)", "", { pattern: "\\d+[smhd]" })}
        {field("rpm_limit", "Requests per minute", row?.rpm_limit, { type: "number", min: 0, step: 1 })}
        {field("tpm_limit", "Tokens per minute", row?.tpm_limit, { type: "number", min: 0, step: 1 })}
        {field("max_parallel_requests", "Parallel requests", row?.max_parallel_requests, { type: "number", min: 0, step: 1 })}
        <div class="field wide">
          <label for="f-metadata">Metadata (JSON)</label>
          <textarea id="f-metadata" name="metadata" rows={3} defaultValue={JSON.stringify(row?.metadata ?? {})} />
        </div>
        {error && <p class="problem wide" role="alert">{error}</p>}
        <div class="buttons wide">
          <button type="submit" class="primary">{row ? "Save" : "Create"}</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

/** The new key, once: it is stored only as a hash, so this is the last time anyone can read it. */
function NewKey({ secret, onClose }: { secret: string; onClose(): void }) {
  const [copied, setCopied] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
    } catch {
      input.current?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  };
  return (
    <Modal title="Your new key" onClose={onClose}>
      <p>Copy it now: it is shown only this once.</p>
      <label for="new-key">New key</label>
      <input id="new-key" ref={input} readOnly value={secret} class="secret" />
      <div class="buttons">
        <button type="button" class="primary" onClick={copy}>{copied ? "Copied" : "Copy"}</button>
        <button type="button" onClick={onClose}>Done</button>
      </div>
    </Modal>
  );
}
