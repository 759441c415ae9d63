// The Kubernetes target: manifests from the deployment model, strict offline validation, stable YAML, the stack.
export { buildManifests, manifestsFor, CONFIG_CHECKSUM, type KubeObject } from "./manifests.ts";
export { validateManifests, formatSchemaIssue, SCHEMA_VERSION, SUPPORTED_RANGE, type SchemaIssue } from "./validate.ts";
export { renderStream, renderSplit } from "./render.ts";
export { KubernetesStack, KUBERNETES_PROVIDER_VERSION } from "./stack.ts";
