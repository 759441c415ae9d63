// Before anything changes: can Terraform install the stack's providers here? Without a reachable registry or a
// configured mirror it can't, and a deploy must stop with the way to set a mirror up, not half-way through.
// The providers are read from the synthesized stack (terraform.required_providers of its cdk.tf.json): the
// Docker provider for a Docker environment, the Kubernetes one for a kubernetes environment.
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface RequiredProvider {
  /** The local name, e.g. docker. */
  name: string;
  /** As written in the stack, e.g. kreuzwerker/docker. */
  source: string;
  /** The full address a mirror is configured with, e.g. registry.terraform.io/kreuzwerker/docker. */
  address: string;
  version?: string;
}

export type ProviderCheck = { ok: true } | { ok: false; reason: string; help: string };

/** terraform.required_providers of the stack in `stackDir` (its cdk.tf.json); [] when there is none to read. */
export function requiredProviders(stackDir: string): RequiredProvider[] {
  const file = join(stackDir, "cdk.tf.json");
  if (!existsSync(file)) return [];
  let json: { terraform?: { required_providers?: Record<string, { source?: string; version?: string }> } };
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
  return Object.entries(json.terraform?.required_providers ?? {}).map(([name, p]) => {
    const source = p.source ?? `hashicorp/${name}`;
    // A source without a host is on the public registry: registry.terraform.io/<namespace>/<type>.
    const address = source.split("/").length === 3 ? source : `registry.terraform.io/${source}`;
    return { name, source, address, ...(p.version ? { version: p.version } : {}) };
  });
}

/** `terraform init` in the synthesized stack's folder: downloads (or finds) the providers, touches no resource. */
export async function checkProvider(stackDir: string): Promise<ProviderCheck> {
  const r = await execa("terraform", ["init", "-input=false", "-no-color"], { cwd: stackDir, reject: false, timeout: 300_000 }).catch((e: Error) => ({ exitCode: 127, all: e.message, stderr: e.message, stdout: "" }));
  if (r.exitCode === 0) return { ok: true };
  const output = `${r.stderr}\n${r.stdout}`;
  const providers = requiredProviders(stackDir);
  const names = providers.length ? providers.map((p) => `${p.source}${p.version ? ` ${p.version}` : ""}`).join(", ") : "the stack's providers";
  const reason = /could not connect to registry|no such host|Failed to query available provider packages|Failed to install provider/i.test(output)
    ? `Terraform can't install ${providers.length === 1 ? "the provider" : "the providers"} (${names}): the registry is unreachable and no provider mirror is configured`
    : r.exitCode === 127 ? "terraform is not installed (https://developer.hashicorp.com/terraform/install)" : `terraform init failed:\n${output.trim().split("\n").slice(-8).join("\n")}`;
  return { ok: false, reason, help: mirrorHelp(stackDir, providers) };
}

export function mirrorHelp(stackDir: string, providers: RequiredProvider[] = requiredProviders(stackDir)): string {
  const list = JSON.stringify(providers.map((p) => p.address)).replaceAll('","', '", "');
  return `To deploy without the registry, give Terraform a provider mirror:
  1. On a machine that reaches registry.terraform.io, in a copy of ${stackDir}:
       terraform providers mirror -platform=linux_amd64 /opt/terraform/providers
  2. Copy /opt/terraform/providers to this host, and tell Terraform to use it in ~/.terraformrc
     (or the file TF_CLI_CONFIG_FILE names):
       provider_installation {
         filesystem_mirror {
           path    = "/opt/terraform/providers"
           include = ${list}
         }
         direct {
           exclude = ${list}
         }
       }
  3. Run the command again. (A network mirror works the same way: network_mirror { url = "…" }.)`;
}
