// The console's only way to the gateway: same-origin fetches with the signed-in key as the Authorization
// header. The key lives in this tab's sessionStorage (gone when the tab closes, never in a URL, a cookie or the
// page), so other sites can neither read it nor make the browser send it.
const STORAGE = "gatekit.console.key";

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE),
  set: (key: string) => sessionStorage.setItem(STORAGE, key),
  clear: () => sessionStorage.removeItem(STORAGE),
};

/** Calls the gateway; a refusal throws ApiError with the gateway's own message. */
export async function api<T>(path: string, opts: { method?: string; body?: unknown; key?: string } = {}): Promise<T> {
  const key = opts.key ?? session.key();
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(path, { method: opts.method ?? (opts.body === undefined ? "GET" : "POST"), headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), cache: "no-store", credentials: "omit" });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!r.ok) {
    const message = (json as { error?: { message?: string } } | undefined)?.error?.message ?? `${r.status} ${r.statusText}`;
    throw new ApiError(r.status, message);
  }
  return json as T;
}

/** A query string from the set fields. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export interface Settings {
  num_workers: number | null;
  live_workers: number | null;
  database: { status: string; connections?: number; max_connections?: number; error?: string };
  redis: { status: string; error?: string };
  routing_strategy?: string;
}

export interface KeyRow {
  token: string;
  key_name: string | null;
  key_alias: string | null;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  expires: string | null;
  models: string[];
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  metadata: Record<string, unknown>;
  blocked: boolean;
  created_at: string;
}

/** Who signed in: the master key (every page) or a virtual key (its own usage). */
export type Who = { admin: true; settings: Settings } | { admin: false; info: KeyRow };
