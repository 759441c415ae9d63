// How numbers, money and times read on every page.
/** Cents, or two significant digits below a cent (a cheap call still shows). */
export const usd = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`);
export const int = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toLocaleString("en-US"));
export const ms = (n: number | null | undefined) => (n === null || n === undefined ? "—" : `${Math.round(n).toLocaleString("en-US")} ms`);
export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) + "Z" : "—");
export const keyLabel = (k: { key_alias?: string | null; key_name?: string | null; api_key?: string; token?: string }) =>
  k.key_alias || k.key_name || (k.api_key || k.token ? `${(k.api_key ?? k.token)!.slice(0, 10)}…` : "master key");

/** A CSV file of rows, downloaded by the browser (no server round trip). */
export function downloadCsv(name: string, header: string[], rows: (string | number | null)[][]): void {
  const cell = (v: string | number | null) => {
    const s = v === null ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const blob = new Blob([[header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n"], { type: "text/csv" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
