// Sign-in: the master key or a virtual key, typed into a password field. The gateway decides: its settings
// route answers the master key; a virtual key is refused there (403) and answers for itself at /key/info. Any
// other refusal is shown as the gateway worded it.
import { useState } from "preact/hooks";
import { api, ApiError, session, type KeyRow, type Settings, type Who } from "../api.ts";

export async function whoIs(key: string): Promise<Who> {
  try {
    return { admin: true, settings: await api<Settings>("/gatekit/settings", { key }) };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
  }
  return { admin: false, info: (await api<{ info: KeyRow }>("/key/info", { key })).info };
}

export function SignIn({ onSignedIn }: { onSignedIn(who: Who): void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem("key") as HTMLInputElement;
    const key = input.value.trim();
    setBusy(true);
    setError(undefined);
    try {
      const who = await whoIs(key);
      session.set(key);
      input.value = "";
      onSignedIn(who);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      input.focus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin" tabIndex={-1}>
      <h1>gatekit console</h1>
      <form onSubmit={submit} autocomplete="off">
        <label for="key">Master key or virtual key</label>
        <input id="key" name="key" type="password" required autocomplete="off" spellcheck={false} aria-describedby="key-help" />
        <p id="key-help" class="help">The master key shows everything; a virtual key shows its own usage. The key stays in this tab only.</p>
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        {error && <p class="problem" role="alert">{error}</p>}
      </form>
    </main>
  );
}
