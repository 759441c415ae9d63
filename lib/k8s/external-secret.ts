// ExternalSecret (external-secrets.io/v1): a custom resource, so kubernetes-models has no schema for it. The
// fields gatekit writes are described here as a strict zod schema (unknown fields are errors), after the CRD
// of External Secrets Operator 0.17+ (the release that serves external-secrets.io/v1).
import { z } from "zod";

const objectMeta = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const externalSecretSchema = z.strictObject({
  apiVersion: z.literal("external-secrets.io/v1"),
  kind: z.literal("ExternalSecret"),
  metadata: objectMeta,
  spec: z.strictObject({
    refreshInterval: z.string().regex(/^(\d+(ns|us|µs|ms|s|m|h))+$/, "a Go duration such as 1h"),
    secretStoreRef: z.strictObject({ kind: z.enum(["SecretStore", "ClusterSecretStore"]), name: z.string().min(1) }),
    target: z.strictObject({ name: z.string().min(1), creationPolicy: z.enum(["Owner", "Orphan", "Merge", "None"]) }),
    data: z.array(z.strictObject({ secretKey: z.string().min(1), remoteRef: z.strictObject({ key: z.string().min(1), property: z.string().min(1) }) })).min(1),
  }),
});

export type ExternalSecretData = z.infer<typeof externalSecretSchema>;

export class ExternalSecret {
  static readonly apiVersion = "external-secrets.io/v1";
  static readonly kind = "ExternalSecret";
  readonly apiVersion = ExternalSecret.apiVersion;
  readonly kind = ExternalSecret.kind;
  readonly metadata: ExternalSecretData["metadata"];
  readonly spec: ExternalSecretData["spec"];

  constructor(data: Omit<ExternalSecretData, "apiVersion" | "kind">) {
    this.metadata = data.metadata;
    this.spec = data.spec;
  }

  toJSON(): ExternalSecretData {
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadata, spec: this.spec };
  }

  /** Strict: a missing, mistyped or unknown field throws, naming its path. */
  validate(): void {
    const parsed = externalSecretSchema.safeParse(this.toJSON());
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  }
}
