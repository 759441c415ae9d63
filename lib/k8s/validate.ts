// Offline, strict validation of every object gatekit renders: the Kubernetes OpenAPI schemas compiled into
// kubernetes-models (types, formats, required fields, enums), plus unknown fields — which those validators
// accept — treated as errors, as `kubectl apply --validate=strict` would.
import { ExternalSecret } from "./external-secret.ts";
import type { KubeObject } from "./manifests.ts";

/** The schemas checked against: kubernetes-models 4.5.1 (the last line that runs on Node 20) is generated from Kubernetes v1.33.0. */
export const SCHEMA_VERSION = "1.33";
/**
 * The range the rendered objects are meant for: every API version they use (apps/v1, autoscaling/v2, policy/v1,
 * networking.k8s.io/v1) and field is served unchanged from 1.25 through 1.33.
 */
export const SUPPORTED_RANGE = "1.25–1.33";

export interface SchemaIssue {
  object: string;
  path: string;
  message: string;
}

export const objectName = (o: { kind: string; metadata?: { name?: string } }) => `${o.kind}/${o.metadata?.name ?? "?"}`;

export function validateManifests(objects: KubeObject[]): SchemaIssue[] {
  return objects.flatMap((o) => [...schemaIssues(o), ...unknownFields(o)]);
}

function schemaIssues(o: KubeObject): SchemaIssue[] {
  try {
    o.validate();
    return [];
  } catch (e) {
    return [{ object: objectName(o), path: "", message: (e as Error).message }];
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Fields no schema declares. The compiled validators read exactly the properties their schema declares (and
 * every key of a map type), so running the object's own validator over a copy that records each read shows
 * which keys no schema knows.
 */
export function unknownFields(o: KubeObject): SchemaIssue[] {
  // A custom resource's own schema (zod, strict) already refuses unknown fields.
  if (o instanceof ExternalSecret) return [];
  const plain = JSON.parse(JSON.stringify(o)) as Json;
  const read = new Map<object, Set<string>>();
  const validate = Object.getPrototypeOf(o).validate as (this: unknown) => void;
  try {
    validate.call(recording(plain, read));
  } catch {
    // Schema errors are reported by schemaIssues; only the keys read matter here.
  }
  const issues: SchemaIssue[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
    if (!isObject(value)) return;
    const known = read.get(value) ?? new Set<string>();
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (!known.has(k)) issues.push({ object: objectName(o), path: at, message: "unknown field (not in the Kubernetes schema)" });
      else walk(v, at);
    }
  };
  walk(plain, "");
  return issues;
}

function recording(value: unknown, read: Map<object, Set<string>>): unknown {
  if (Array.isArray(value)) return value.map((v) => recording(v, read));
  if (!isObject(value)) return value;
  const seen = new Set<string>();
  read.set(value, seen);
  const children = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recording(v, read)]));
  return new Proxy(children, {
    get(target, key) {
      if (typeof key === "string") seen.add(key);
      return Reflect.get(target, key);
    },
  });
}

export const formatSchemaIssue = (i: SchemaIssue) => `${i.object}${i.path ? ` ${i.path}` : ""}: ${i.message}`;
