import { notServed } from "../gateway/config/coverage.ts";
import { ok, rule } from "./rule.ts";

// The bundled gateway reads every LiteLLM config and says at start-up what it does not serve; this is the same
// list, at validate time, for specs that run it. A spec with LiteLLM's own image gets all of them served.
export default rule(import.meta.url, {
  severity: "warning",
  info: "The config asks for LiteLLM features the bundled gateway does not implement: they are ignored or answered 400 at run time.",
  fix: "Remove them, or set gateway.image to LiteLLM's image (gateway.image: { name: ghcr.io/berriai/litellm:<pinned tag> }), which serves them.",
  check: ({ env }) => {
    const image = env.spec.gateway.image;
    if (!("build" in image)) return ok;
    return notServed(env.spec.litellm).map((n) => ({
      path: `litellm.${n.path}`,
      message: `${n.what}; the bundled gateway: ${n.instead}. gateway.image set to LiteLLM's image would serve it`,
    }));
  },
});
