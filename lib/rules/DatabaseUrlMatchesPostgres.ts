import { envRefName } from "../gateway/config/schema.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  readsSecrets: true,
  info: "A DATABASE_URL whose user, password or database differs from the stack's Postgres fails every key look-up at start.",
  fix: "Unset DATABASE_URL (the stack builds it from postgres.user/database and the Postgres password) or make it match them.",
  check: ({ env, vars }) => {
    const url = vars.DATABASE_URL;
    if (!url) return ok;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return violation("litellm.general_settings.database_url", "DATABASE_URL is not a valid URL");
    }
    const { postgres } = env.spec;
    const password = vars[envRefName(postgres.password)!];
    const mismatches = [
      decodeURIComponent(parsed.username) !== postgres.user ? "user" : "",
      password !== undefined && decodeURIComponent(parsed.password) !== password ? "password" : "",
      parsed.pathname.replace(/^\//, "") !== postgres.database ? "database" : "",
    ].filter(Boolean);
    return mismatches.length ? violation("litellm.general_settings.database_url", `DATABASE_URL's ${mismatches.join(", ")} differ from the stack's Postgres`) : ok;
  },
});
