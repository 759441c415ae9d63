// Prometheus metrics under LiteLLM's names (Python's client exports counters with a `_total` suffix, so
// dashboards built for LiteLLM query exactly these). The hot path only bumps numbers in slots found once per
// distinct label set; text is rendered when /metrics is asked. Each worker counts; /metrics on any worker
// answers with the sum over all workers, collected by the primary over cluster IPC.
import cluster, { type Worker } from "node:cluster";
import { randomUUID } from "node:crypto";
import { constants, PerformanceObserver, type NodeGCPerformanceDetail, type PerformanceEntry } from "node:perf_hooks";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor", [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental", [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

type Kind = "counter" | "histogram" | "gauge";
/** How a gauge combines over workers: states (higher is worse) as their maximum, amounts (connections) as a sum. */
type Merge = "max" | "sum";
interface Family { name: string; help: string; kind: Kind; buckets?: number[]; merge?: Merge }

const family = (name: string, help: string, kind: Kind, buckets?: number[]): Family => ({ name, help, kind, buckets });
const amount = (name: string, help: string): Family => ({ name, help, kind: "gauge", merge: "sum" });
export const FAMILIES = {
  total: family("litellm_proxy_total_requests_metric_total", "Total number of requests made to the proxy server", "counter"),
  failed: family("litellm_proxy_failed_requests_metric_total", "Total number of failed responses from proxy", "counter"),
  totalLatency: family("litellm_request_total_latency_metric", "Total latency (seconds) for a request to LiteLLM", "histogram", LATENCY_BUCKETS),
  llmLatency: family("litellm_llm_api_latency_metric", "Total latency (seconds) for a model's LLM API call", "histogram", LATENCY_BUCKETS),
  overhead: family("litellm_overhead_latency_metric", "Latency overhead (seconds) added by LiteLLM processing", "histogram", OVERHEAD_BUCKETS),
  inputTokens: family("litellm_input_tokens_metric_total", "Total number of input tokens from LLM requests", "counter"),
  outputTokens: family("litellm_output_tokens_metric_total", "Total number of output tokens from LLM requests", "counter"),
  totalTokens: family("litellm_total_tokens_metric_total", "Total number of input + output tokens from LLM requests", "counter"),
  depSuccess: family("litellm_deployment_success_responses_total", "LLM Deployment Analytics - Total number of successful LLM API calls via litellm", "counter"),
  depFailure: family("litellm_deployment_failure_responses_total", "LLM Deployment Analytics - Total number of failed LLM API calls for a specific LLM deployment", "counter"),
  depTotal: family("litellm_deployment_total_requests_total", "LLM Deployment Analytics - Total number of LLM API calls via litellm - success + failure", "counter"),
  deploymentState: family("litellm_deployment_state", "LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage", "gauge"),
  spendBuffer: amount("gatekit_spend_log_buffer_size", "Spend log rows waiting to be written to the database"),
  spendJournalRows: amount("gatekit_spend_journal_rows", "Spend log rows in the workers' local journals that are not in the database yet"),
  spendJournalBytes: amount("gatekit_spend_journal_bytes", "Bytes the workers' spend journals hold on local disk (trimmed as batches land)"),
  spendDropped: family("gatekit_spend_rows_dropped_total", "Spend log rows never written: the buffer was full (buffer_full), the database rejected the row (invalid_row), or shutdown came first (shutdown)", "counter"),
  cooledDown: family("litellm_deployment_cooled_down_total", "LLM Deployment Analytics - Number of times a deployment has been cooled down by LiteLLM load balancing logic", "counter"),
  fallbackOk: family("litellm_deployment_successful_fallbacks_total", "LLM Deployment Analytics - Number of successful fallback requests from primary model -> fallback model", "counter"),
  fallbackFailed: family("litellm_deployment_failed_fallbacks_total", "LLM Deployment Analytics - Number of failed fallback requests from primary model -> fallback model", "counter"),
  cacheHits: family("litellm_cache_hits_metric_total", "Total number of LiteLLM cache hits", "counter"),
  cacheMisses: family("litellm_cache_misses_metric_total", "Total number of LiteLLM cache misses", "counter"),
  poolInUse: amount("gatekit_db_pool_connections_in_use", "Postgres connections checked out of the workers' pools"),
  poolOpen: amount("gatekit_db_pool_connections", "Postgres connections open in the workers' pools, in use or idle"),
  poolMax: amount("gatekit_db_pool_max_connections", "Postgres connections the workers' pools may open (database_connection_pool_limit x workers)"),
  poolWaiting: amount("gatekit_db_pool_waiting_requests", "Queries waiting for a free Postgres connection"),
  gc: family("nodejs_gc_duration_seconds", "Garbage collection pauses of the workers' main threads (seconds), by kind (minor = scavenge, major = mark-compact)", "histogram", GC_BUCKETS),
  liveWorkers: amount("gatekit_live_workers", "Worker processes serving requests (that answered this scrape)"),
} as const;
type FamilyKey = keyof typeof FAMILIES;

/** One series' numbers: a counter uses `value`; a histogram `counts` per bucket (not cumulative), `sum`, `count`. */
interface Slot { value: number; counts: number[]; sum: number }
/** family key → rendered label string (`{a="x",b="y"}`) → slot. Plain data, so workers can send it over IPC. */
export type Snapshot = Partial<Record<FamilyKey, Record<string, Slot>>>;

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

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (pairs: Record<string, string>) => `{${Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;

export function createMetrics() {
  const snapshot: Snapshot = {};
  /** Gauges read when metrics are collected, not on the request path (pool sizes, workers). */
  const samplers: (() => void)[] = [];
  const cacheSlots = { cacheHits: new Map<string, Slot>(), cacheMisses: new Map<string, Slot>() };
  const slot = (key: FamilyKey, labelText: string): Slot => {
    const series = (snapshot[key] ??= {});
    return (series[labelText] ??= { value: 0, counts: FAMILIES[key].buckets ? FAMILIES[key].buckets!.map(() => 0) : [], sum: 0 });
  };
  const bound = new Map<string, ReturnType<typeof bind>>();
  const collect = (): Snapshot => (samplers.forEach((sample) => sample()), snapshot);

  /** The slots one kind of request touches, found once per distinct label set. */
  function bind(r: RequestRecord) {
    const who = { end_user: "", hashed_api_key: r.hashedKey, api_key_alias: r.keyAlias, requested_model: r.requestedModel, team: "", team_alias: "", user: "" };
    const withModel = labels({ model: r.model, ...who });
    const dep = { litellm_model_name: r.model, model_id: r.modelId, api_base: r.apiBase, api_provider: r.provider, requested_model: r.requestedModel, hashed_api_key: r.hashedKey, api_key_alias: r.keyAlias };
    const failure = r.exceptionClass ? { exception_status: String(r.status), exception_class: r.exceptionClass } : undefined;
    return {
      total: slot("total", labels({ ...who, status_code: String(r.status) })),
      failed: failure && slot("failed", labels({ ...who, ...failure })),
      totalLatency: slot("totalLatency", withModel),
      llmLatency: slot("llmLatency", withModel),
      overhead: slot("overhead", labels({ model_group: r.requestedModel, api_provider: r.provider, api_base: r.apiBase, litellm_model_name: r.model, hashed_api_key: r.hashedKey, api_key_alias: r.keyAlias })),
      inputTokens: slot("inputTokens", withModel),
      outputTokens: slot("outputTokens", withModel),
      totalTokens: slot("totalTokens", withModel),
      depTotal: r.model ? slot("depTotal", labels(dep)) : undefined,
      depResult: r.model ? (failure ? slot("depFailure", labels({ ...dep, ...failure })) : slot("depSuccess", labels(dep))) : undefined,
    };
  }

  return {
    record(r: RequestRecord) {
      const key = `${r.requestedModel}\0${r.model}\0${r.modelId}\0${r.hashedKey}\0${r.status}\0${r.exceptionClass ?? ""}`;
      let b = bound.get(key);
      if (!b) bound.set(key, (b = bind(r)));
      b.total.value++;
      if (b.failed) b.failed.value++;
      observe(b.totalLatency, LATENCY_BUCKETS, r.totalSeconds);
      observe(b.overhead, OVERHEAD_BUCKETS, r.overheadSeconds);
      if (r.llmSeconds !== undefined) observe(b.llmLatency, LATENCY_BUCKETS, r.llmSeconds);
      if (r.inputTokens) b.inputTokens.value += r.inputTokens;
      if (r.outputTokens) b.outputTokens.value += r.outputTokens;
      if (r.inputTokens || r.outputTokens) b.totalTokens.value += (r.inputTokens ?? 0) + (r.outputTokens ?? 0);
      if (b.depTotal) b.depTotal.value++;
      if (b.depResult) b.depResult.value++;
    },
    /** A deployment's state: 0 healthy, 1 failing, 2 cooling down (set on changes, off the hot path). */
    deploymentState(pairs: Record<string, string>, state: 0 | 1 | 2) {
      slot("deploymentState", labels(pairs)).value = state;
    },
    /** The spend writer's numbers, read when metrics are collected: rows waiting, and rows dropped by reason. */
    spend(buffered: number, dropped: Record<string, number>, journal?: { rows: number; bytes: number }) {
      slot("spendBuffer", "").value = buffered;
      if (journal) (slot("spendJournalRows", "").value = journal.rows), (slot("spendJournalBytes", "").value = journal.bytes);
      for (const [reason, rows] of Object.entries(dropped)) slot("spendDropped", labels({ reason })).value = rows;
    },
    /** A cache look-up's outcome, per requested model (a map look-up per request). */
    cacheLookup(model: string, hit: boolean) {
      const key = hit ? "cacheHits" : "cacheMisses";
      let s = cacheSlots[key].get(model);
      if (!s) cacheSlots[key].set(model, (s = slot(key, labels({ model }))));
      s.value++;
    },
    /** Sets a gauge from outside the request path. */
    gauge(key: "poolInUse" | "poolOpen" | "poolMax" | "poolWaiting" | "liveWorkers", value: number) {
      slot(key, "").value = value;
    },
    /** Runs `sample` each time metrics are collected. */
    onCollect(sample: () => void) {
      samplers.push(sample);
    },
    /** Counters off the hot path (cooldowns, fallbacks): labels rendered per call. */
    count(key: "cooledDown" | "fallbackOk" | "fallbackFailed", pairs: Record<string, string>) {
      slot(key, labels(pairs)).value++;
    },
    /** The process's GC pauses, counted as they happen (prom-client's metric name and kinds); returns the stop. */
    watchGc(): () => void {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const kind = (entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind ?? 0;
          observe(slot("gc", labels({ kind: GC_KINDS[kind] ?? "other" })), GC_BUCKETS, entry.duration / 1000);
        }
      });
      observer.observe({ entryTypes: ["gc"] });
      return () => observer.disconnect();
    },
    snapshot: collect,
    /** Prometheus text for all workers (this process alone outside a cluster). */
    async exposition(): Promise<string> {
      return cluster.isWorker ? askPrimary() : render([collect()]);
    },
    contentType: "text/plain; version=0.0.4; charset=utf-8",
  };
}

function observe(s: Slot, buckets: number[], value: number): void {
  let i = 0;
  while (i < buckets.length && value > buckets[i]!) i++;
  if (i < buckets.length) s.counts[i]!++;
  s.sum += value;
  s.value++;
}

/** The sum of several workers' snapshots as Prometheus text. */
export function render(snapshots: Snapshot[]): string {
  const out: string[] = [];
  for (const key of Object.keys(FAMILIES) as FamilyKey[]) {
    const f = FAMILIES[key];
    const merged = new Map<string, Slot>();
    for (const snap of snapshots) {
      for (const [labelText, s] of Object.entries(snap[key] ?? {})) {
        const m = merged.get(labelText) ?? { value: 0, counts: s.counts.map(() => 0), sum: 0 };
        m.value = f.kind === "gauge" && f.merge !== "sum" ? Math.max(m.value, s.value) : m.value + s.value;
        m.sum += s.sum;
        s.counts.forEach((c, i) => (m.counts[i]! += c));
        merged.set(labelText, m);
      }
    }
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.kind}`);
    for (const [labelText, s] of merged) {
      if (f.kind !== "histogram") {
        out.push(`${f.name}${labelText} ${s.value}`);
        continue;
      }
      const inner = labelText.slice(1, -1);
      let cumulative = 0;
      f.buckets!.forEach((le, i) => {
        cumulative += s.counts[i]!;
        out.push(`${f.name}_bucket{${inner},le="${le}"} ${cumulative}`);
      });
      out.push(`${f.name}_bucket{${inner},le="+Inf"} ${s.value}`, `${f.name}_sum${labelText} ${s.sum}`, `${f.name}_count${labelText} ${s.value}`);
    }
  }
  return out.join("\n") + "\n";
}

// Cluster plumbing: a worker's /metrics asks the primary, which collects every worker's snapshot and renders.
const MSG = { ask: "gatekit:metrics", reply: "gatekit:metrics-reply", collect: "gatekit:metrics-collect", collected: "gatekit:metrics-collected" } as const;
interface MetricsMessage { type?: string; id?: string; text?: string; snapshot?: Snapshot }

const pending = new Map<string, (value: MetricsMessage) => void>();

function askPrimary(): Promise<string> {
  return request((m) => process.send!(m)).then((m) => m.text ?? "");
}

function request(send: (m: MetricsMessage) => void, type: string = MSG.ask, timeoutMs = 5000): Promise<MetricsMessage> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (pending.delete(id), reject(new Error("metrics aggregation timed out"))), timeoutMs);
    pending.set(id, (m) => (clearTimeout(timer), pending.delete(id), resolve(m)));
    send({ type, id });
  });
}

let workerMetrics: Metrics | undefined;

/** In a worker: the metrics whose snapshot the primary collects. */
export function registerWorkerMetrics(m: Metrics): void {
  workerMetrics = m;
}

if (cluster.isWorker) {
  process.on("message", (m: MetricsMessage) => {
    if (m?.type === MSG.reply && m.id) pending.get(m.id)?.(m);
    if (m?.type === MSG.collect && m.id && process.connected) process.send!({ type: MSG.collected, id: m.id, snapshot: workerMetrics?.snapshot() ?? {} });
  });
}

/** In the cluster primary: answer a worker's /metrics with the sum over all live workers. */
export function startMetricsAggregator(): void {
  cluster.on("message", async (worker: Worker, m: MetricsMessage) => {
    if (m?.type === MSG.collected && m.id) return pending.get(m.id)?.(m);
    if (m?.type !== MSG.ask) return;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w?.isConnected());
    const snapshots = await Promise.all(workers.map((w) => request((msg) => w.send(msg), MSG.collect, 2000).then((r) => r.snapshot ?? {}, () => ({}))));
    if (worker.isConnected()) worker.send({ type: MSG.reply, id: m.id, text: render(snapshots) });
  });
}
