// The console's shell: sign-in, the navigation a role may use, and the page named by the location hash
// (#/keys …), so every page has an address and the browser's back button works.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { session, type Who } from "./api.ts";
import { Keys } from "./pages/keys.tsx";
import { Logs } from "./pages/logs.tsx";
import { Models } from "./pages/models.tsx";
import { Overview } from "./pages/overview.tsx";
import { SignIn, whoIs } from "./pages/signin.tsx";
import { Spend } from "./pages/spend.tsx";
import "./style.css";

const PAGES = [
  { path: "overview", title: "Overview", admin: false, view: Overview },
  { path: "keys", title: "Keys", admin: true, view: Keys },
  { path: "spend", title: "Spend", admin: false, view: Spend },
  { path: "models", title: "Models", admin: true, view: Models },
  { path: "logs", title: "Logs", admin: false, view: Logs },
] as const;

const current = () => location.hash.replace(/^#\/?/, "") || "overview";

function App() {
  const [who, setWho] = useState<Who | undefined>();
  const [restoring, setRestoring] = useState(!!session.key());
  const [path, setPath] = useState(current());
  useEffect(() => {
    const onHash = () => setPath(current());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  // A reload keeps the tab's session: the stored key is asked again who it is.
  useEffect(() => {
    const key = session.key();
    if (key) whoIs(key).then(setWho, () => session.clear()).finally(() => setRestoring(false));
  }, []);
  const pages = PAGES.filter((p) => who?.admin || !p.admin);
  const page = pages.find((p) => p.path === path) ?? pages[0]!;
  useEffect(() => {
    document.title = who ? `${page.title} · gatekit console` : "Sign in · gatekit console";
    document.getElementById("main")?.focus();
  }, [page, who]);

  if (restoring) return <main id="main" tabIndex={-1}><p>Loading…</p></main>;
  if (!who) return <SignIn onSignedIn={(w) => (setWho(w), (location.hash = "#/overview"))} />;
  const signOut = () => {
    session.clear();
    setWho(undefined);
    location.hash = "";
  };
  const View = page.view;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>Skip to content</a>
      <header class="top">
        <span class="brand">gatekit console</span>
        <nav aria-label="Console pages">
          <ul>
            {pages.map((p) => (
              <li key={p.path}><a href={`#/${p.path}`} aria-current={p === page ? "page" : undefined}>{p.title}</a></li>
            ))}
          </ul>
        </nav>
        <span class="who">{who.admin ? "Admin (master key)" : `Key ${who.info.key_alias ?? who.info.key_name ?? ""}`}</span>
        <button type="button" class="signout" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{page.title}</h1>
        <View who={who} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
