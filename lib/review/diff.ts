// What a change does to one stack: resources added, changed in place, replaced and removed, from two
// synthesized cdk.tf.json documents. Pure; knows which Docker provider attributes force a replacement.

export type TfJson = { resource?: Record<string, Record<string, Record<string, unknown>>>; [k: string]: unknown };

export type Action = "create" | "update" | "replace" | "delete";

export interface AttributeChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceChange {
  /** Terraform address, e.g. `docker_container.postgres`. */
  address: string;
  type: string;
  action: Action;
  changes: AttributeChange[];
  /** The attributes that force the replacement, when action is "replace". */
  forcedBy: string[];
}

export interface StackDiff {
  stack: string;
  /** "created"/"destroyed" when the stack exists on one side only. */
  lifecycle: "created" | "destroyed" | "changed" | "unchanged";
  resources: ResourceChange[];
}

/**
 * Attributes that the Docker provider (kreuzwerker/docker 3.x) updates in place; every other attribute of
 * these types forces a new resource. Types not listed are treated as replace-on-any-change, the safe reading.
 */
const IN_PLACE: Record<string, ReadonlySet<string>> = {
  docker_container: new Set(["restart", "memory", "memory_swap", "cpu_shares", "cpu_set", "must_run", "start", "wait", "wait_timeout", "destroy_grace_seconds", "remove_volumes", "rm", "attach", "logs"]),
  docker_image: new Set(["keep_locally", "force_remove", "triggers"]),
  docker_volume: new Set([]),
  docker_network: new Set([]),
};

/**
 * kubernetes_manifest applies every change in place (server-side apply), except a changed identity — kind,
 * apiVersion, name, namespace — which the provider replaces, and fields the API server refuses to change
 * (a workload's selector, a StatefulSet's serviceName and volume claim templates), which need a new object.
 */
const MANIFEST_FORCES = /^manifest\.(apiVersion|kind|metadata\.(name|namespace)|spec\.(selector|serviceName|volumeClaimTemplates))\b/;

function forcingAttributes(type: string, attrs: AttributeChange[]): string[] {
  if (type === "kubernetes_manifest") {
    return [...new Set(attrs.filter((a) => MANIFEST_FORCES.test(a.path)).map((a) => MANIFEST_FORCES.exec(a.path)![0]))];
  }
  const inPlace = IN_PLACE[type] ?? new Set<string>();
  return [...new Set(attrs.map((a) => topLevel(a.path)).filter((k) => !inPlace.has(k) && k !== "depends_on" && k !== "lifecycle"))];
}

const resources = (doc: TfJson | undefined): Map<string, { type: string; config: Record<string, unknown> }> => {
  const out = new Map<string, { type: string; config: Record<string, unknown> }>();
  for (const [type, byName] of Object.entries(doc?.resource ?? {})) {
    for (const [name, config] of Object.entries(byName)) out.set(`${type}.${name}`, { type, config: withoutMetadata(config) });
  }
  return out;
};

/** cdktf adds `//` metadata (construct paths, unique ids) that says nothing about the deployed resource. */
function withoutMetadata(config: Record<string, unknown>): Record<string, unknown> {
  const { ["//"]: _meta, ...rest } = config;
  return rest;
}

export function diffStack(stack: string, base: TfJson | undefined, head: TfJson | undefined): StackDiff {
  const before = resources(base);
  const after = resources(head);
  const changes: ResourceChange[] = [];
  for (const [address, { type, config }] of after) {
    const old = before.get(address);
    if (!old) {
      changes.push({ address, type, action: "create", changes: [], forcedBy: [] });
      continue;
    }
    const attrs = diffValues(old.config, config);
    if (attrs.length === 0) continue;
    const forcedBy = forcingAttributes(type, attrs);
    changes.push({ address, type, action: forcedBy.length > 0 ? "replace" : "update", changes: attrs, forcedBy });
  }
  for (const [address, { type }] of before) {
    if (!after.has(address)) changes.push({ address, type, action: "delete", changes: [], forcedBy: [] });
  }
  triggerReplacements(after, changes);
  const lifecycle = !base ? "created" : !head ? "destroyed" : changes.length > 0 ? "changed" : "unchanged";
  return { stack, lifecycle, resources: changes.sort((a, b) => a.address.localeCompare(b.address)) };
}

/** lifecycle.replace_triggered_by: a resource is replaced whenever one it names changes (a config loader's file). */
function triggerReplacements(after: ReturnType<typeof resources>, changes: ResourceChange[]): void {
  for (const [address, { type, config }] of after) {
    const triggers = ((config.lifecycle as { replace_triggered_by?: string[] } | undefined)?.replace_triggered_by ?? [])
      .filter((t) => changes.some((c) => c.address === t && (c.action === "update" || c.action === "replace")));
    if (!triggers.length) continue;
    const forcedBy = triggers.map((t) => `replace_triggered_by ${t}`);
    const existing = changes.find((c) => c.address === address);
    if (!existing) changes.push({ address, type, action: "replace", changes: [], forcedBy });
    else if (existing.action !== "create") Object.assign(existing, { action: "replace", forcedBy: [...existing.forcedBy, ...forcedBy] });
  }
}

const topLevel = (path: string) => path.split(/[.[]/)[0]!;

/** Leaf-level differences between two JSON values, with dotted paths (`env[3]`, `healthcheck.timeout`). */
export function diffValues(a: unknown, b: unknown, path = ""): AttributeChange[] {
  if (Object.is(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every(isScalar) && b.every(isScalar) && a.length !== b.length) {
      return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, before: a, after: b }];
    }
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => diffValues(a[i], b[i], `${path}[${i}]`)).flat();
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffValues(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [{ path, before: a, after: b }];
}

const isScalar = (v: unknown) => v === null || typeof v !== "object";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
