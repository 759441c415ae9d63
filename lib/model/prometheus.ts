// The optional Prometheus of a Docker environment: it scrapes /metrics of every gateway instance once (any
// worker answers for its whole instance), on the public network, and keeps its data on a named volume.
import type { DockerSpec } from "../spec/schema.ts";

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
export const PROMETHEUS_DATA_PATH = "/prometheus";

export function renderPrometheusConfig(name: string, spec: DockerSpec): string {
  const targets = Array.from({ length: spec.gateway.instances }, (_, i) => `"${name}-gateway-${i + 1}:${spec.gateway.port}"`);
  return `# Rendered by gatekit from the environment spec; edit the spec, not this file.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: gatekit-gateway
    metrics_path: /metrics
    scrape_timeout: 10s
    static_configs:
      - targets: [${targets.join(", ")}]
        labels: { environment: "${name}" }
`;
}
