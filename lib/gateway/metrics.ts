// Prometheus metrics under LiteLLM's names (Python's client exports counters with a `_total` suffix, so
// dashboards built for LiteLLM query exactly these). Each worker counts; /metrics on any worker answers with the
// sum over all workers, collected by the primary (prom-client's AggregatorRegistry over cluster IPC).
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import client, { AggregatorRegistry, Counter, Histogram, register } from "prom-client";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];
const KEY_LABELS = ["end_user", "hashed_api_key", "api_key_alias", "requested_model", "team", "team_alias", "user"] as const;

export interface RequestRecord {
  requestedModel: string;
  /** The deployment's model (`litellm_params.model`), empty when no deployment was reached. */
  model: string;
  modelId: string;
  apiBase: string;
  provider: string;
  hashedKey: string;
  keyAlias: string;
  status: number;
  exceptionClass?: string;
  totalSeconds: number;
  llmSeconds?: number;
  overheadSeconds: number;
  inputTokens?: number;
  outputTokens?: number;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  register.clear();
  const total = new Counter({ name: "litellm_proxy_total_requests_metric_total", help: "Total number of requests made to the proxy server", labelNames: [...KEY_LABELS, "status_code"] });
  const failed = new Counter({ name: "litellm_proxy_failed_requests_metric_total", help: "Total number of failed responses from proxy", labelNames: [...KEY_LABELS, "exception_status", "exception_class"] });
  const totalLatency = new Histogram({ name: "litellm_request_total_latency_metric", help: "Total latency (seconds) for a request to LiteLLM", labelNames: ["model", ...KEY_LABELS], buckets: LATENCY_BUCKETS });
  const llmLatency = new Histogram({ name: "litellm_llm_api_latency_metric", help: "Total latency (seconds) for a model's LLM API call", labelNames: ["model", ...KEY_LABELS], buckets: LATENCY_BUCKETS });
  const overhead = new Histogram({ name: "litellm_overhead_latency_metric", help: "Latency overhead (seconds) added by LiteLLM processing", labelNames: ["model_group", "api_provider", "api_base", "litellm_model_name", "hashed_api_key", "api_key_alias"], buckets: OVERHEAD_BUCKETS });
  const tokenLabels = ["model", ...KEY_LABELS];
  const inputTokens = new Counter({ name: "litellm_input_tokens_metric_total", help: "Total number of input tokens from LLM requests", labelNames: tokenLabels });
  const outputTokens = new Counter({ name: "litellm_output_tokens_metric_total", help: "Total number of output tokens from LLM requests", labelNames: tokenLabels });
  const totalTokens = new Counter({ name: "litellm_total_tokens_metric_total", help: "Total number of input + output tokens from LLM requests", labelNames: tokenLabels });
  const deploymentLabels = ["litellm_model_name", "model_id", "api_base", "api_provider", "requested_model", "hashed_api_key", "api_key_alias"];
  const depSuccess = new Counter({ name: "litellm_deployment_success_responses_total", help: "LLM Deployment Analytics - Total number of successful LLM API calls via litellm", labelNames: deploymentLabels });
  const depFailure = new Counter({ name: "litellm_deployment_failure_responses_total", help: "LLM Deployment Analytics - Total number of failed LLM API calls for a specific LLM deployment", labelNames: [...deploymentLabels, "exception_status", "exception_class"] });
  const depTotal = new Counter({ name: "litellm_deployment_total_requests_total", help: "LLM Deployment Analytics - Total number of LLM API calls via litellm - success + failure", labelNames: deploymentLabels });

  // Label children are looked up once per distinct label set, then reused: no per-request label hashing.
  const children = new Map<string, ReturnType<typeof bind>>();
  function bind(r: RequestRecord) {
    const who = { end_user: "", hashed_api_key: r.hashedKey, api_key_alias: r.keyAlias, requested_model: r.requestedModel, team: "", team_alias: "", user: "" };
    const withModel = { model: r.model, ...who };
    const dep = { litellm_model_name: r.model, model_id: r.modelId, api_base: r.apiBase, api_provider: r.provider, requested_model: r.requestedModel, hashed_api_key: r.hashedKey, api_key_alias: r.keyAlias };
    return {
      total: total.labels({ ...who, status_code: String(r.status) }),
      failed: r.exceptionClass ? failed.labels({ ...who, exception_status: String(r.status), exception_class: r.exceptionClass }) : undefined,
      totalLatency: totalLatency.labels(withModel),
      llmLatency: llmLatency.labels(withModel),
      overhead: overhead.labels({ model_group: r.requestedModel, api_provider: r.provider, api_base: r.apiBase, litellm_model_name: r.model, hashed_api_key: r.hashedKey, api_key_alias: r.keyAlias }),
      inputTokens: inputTokens.labels(withModel),
      outputTokens: outputTokens.labels(withModel),
      totalTokens: totalTokens.labels(withModel),
      deployment: r.model ? { total: depTotal.labels(dep), ok: depSuccess.labels(dep), failed: r.exceptionClass ? depFailure.labels({ ...dep, exception_status: String(r.status), exception_class: r.exceptionClass }) : undefined } : undefined,
    };
  }

  return {
    record(r: RequestRecord) {
      const key = `${r.requestedModel}\0${r.model}\0${r.modelId}\0${r.hashedKey}\0${r.status}\0${r.exceptionClass ?? ""}`;
      let c = children.get(key);
      if (!c) children.set(key, (c = bind(r)));
      c.total.inc();
      c.failed?.inc();
      c.totalLatency.observe(r.totalSeconds);
      c.overhead.observe(r.overheadSeconds);
      if (r.llmSeconds !== undefined) c.llmLatency.observe(r.llmSeconds);
      if (r.inputTokens) c.inputTokens.inc(r.inputTokens);
      if (r.outputTokens) c.outputTokens.inc(r.outputTokens);
      if (r.inputTokens || r.outputTokens) c.totalTokens.inc((r.inputTokens ?? 0) + (r.outputTokens ?? 0));
      if (c.deployment) {
        c.deployment.total.inc();
        (r.exceptionClass ? c.deployment.failed : c.deployment.ok)?.inc();
      }
    },
    /** Prometheus text for all workers (this process alone outside a cluster). */
    async exposition(): Promise<string> {
      return cluster.isWorker ? askPrimary() : register.metrics();
    },
    contentType: register.contentType,
  };
}

const pending = new Map<string, (text: string) => void>();

function askPrimary(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error("metrics aggregation timed out"));
    }, 5000);
    pending.set(id, (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    process.send!({ type: "gatekit:metrics", id });
  });
}

if (cluster.isWorker) {
  // Constructing an AggregatorRegistry installs prom-client's listener that answers the primary's collection.
  new AggregatorRegistry();
  process.on("message", (m: { type?: string; id?: string; text?: string }) => {
    if (m?.type === "gatekit:metrics-reply" && m.id) pending.get(m.id)?.(m.text ?? "");
  });
}

/** In the cluster primary: answer workers' /metrics with the sum over all workers. */
export function startMetricsAggregator(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", async (worker, m: { type?: string; id?: string }) => {
    if (m?.type !== "gatekit:metrics") return;
    const text = await aggregator.clusterMetrics().catch((e: Error) => `# aggregation failed: ${e.message}\n`);
    if (worker.isConnected()) worker.send({ type: "gatekit:metrics-reply", id: m.id, text });
  });
}

export { client as promClient };
