// Prints docs/providers.md's table from the provider registry itself: every prefix, the endpoints it serves,
// the OpenAI fields it drops (or refuses without drop_params), and for the OpenAI-compatible families their
// default base URL and key variables. `npx tsx scripts/providers-table.ts`
import { FAMILIES } from "../lib/gateway/providers/openai/compatible.ts";
import { knownPrefixes, providerFor } from "../lib/gateway/providers/index.ts";
import type { Provider } from "../lib/gateway/providers/types.ts";

const families = new Map(FAMILIES.map((f) => [f.prefix, f]));
const seen = new Set<Provider>();
const rows: string[] = ["| prefix | endpoints | default base URL · key variable | dropped with `drop_params` (else a 400) |", "|---|---|---|---|"];
for (const prefix of knownPrefixes()) {
  const p = providerFor(prefix)!;
  if (seen.has(p)) continue;
  seen.add(p);
  const f = families.get(prefix);
  const where = f ? `${f.base ?? "`api_base` (required)"} · ${(f.keyEnv ?? []).map((k) => `\`${k}\``).join(", ") || "—"}` : "see below";
  const endpoints = p.endpoints.join(", ");
  rows.push(`| ${p.prefixes.map((x) => `\`${x}/\``).join(", ")} | ${endpoints} | ${where} | ${(p.unsupportedParams ?? []).map((k) => `\`${k}\``).join(", ") || "—"} |`);
}
console.log(rows.join("\n"));
