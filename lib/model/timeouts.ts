// How long one client request can last inside the gateway, and so how long anything in front of it must wait.
import type { Spec } from "../spec/schema.ts";

/**
 * The longest a request can take: request_timeout is per attempt, and the router makes every attempt
 * (1 + retries) on the model and on each fallback hop.
 */
export function worstCaseSeconds(spec: Spec) {
  const { litellm_settings: ls, router_settings: rs } = spec.litellm;
  const timeout = ls.request_timeout ?? 600;
  const retries = rs.num_retries ?? ls.num_retries ?? 0;
  const fallbacks = rs.max_fallbacks ?? (rs.fallbacks?.length ? 5 : 0);
  return { timeout, retries, fallbacks, total: timeout * (1 + retries) * (1 + fallbacks) };
}

/** Added to the worst case so that the gateway, not the proxy in front of it, ends a request that runs out. */
export const PROXY_TIMEOUT_MARGIN_SECONDS = 60;

/** A load balancer's or ingress's read timeout: never shorter than a request the gateway is still serving. */
export const proxyTimeoutSeconds = (spec: Spec) => worstCaseSeconds(spec).total + PROXY_TIMEOUT_MARGIN_SECONDS;
