// Before anything changes: can Terraform install the Docker provider here? Without a reachable registry or a
// configured mirror it can't, and a deploy must stop with the way to set a mirror up, not half-way through.
import { execa } from "execa";
import { DOCKER_PROVIDER_VERSION } from "../infra/stack.ts";

const PROVIDER = "registry.terraform.io/kreuzwerker/docker";

export type ProviderCheck = { ok: true } | { ok: false; reason: string; help: string };

/** `terraform init` in the synthesized stack's folder: downloads (or finds) the provider, touches no resource. */
export async function checkProvider(stackDir: string): Promise<ProviderCheck> {
  const r = await execa("terraform", ["init", "-input=false", "-no-color"], { cwd: stackDir, reject: false, timeout: 300_000 }).catch((e: Error) => ({ exitCode: 127, all: e.message, stderr: e.message, stdout: "" }));
  if (r.exitCode === 0) return { ok: true };
  const output = `${r.stderr}\n${r.stdout}`;
  const reason = /could not connect to registry|no such host|Failed to query available provider packages|Failed to install provider/i.test(output)
    ? `Terraform can't install the Docker provider (kreuzwerker/docker ${DOCKER_PROVIDER_VERSION}): the registry is unreachable and no provider mirror is configured`
    : r.exitCode === 127 ? "terraform is not installed (https://developer.hashicorp.com/terraform/install)" : `terraform init failed:\n${output.trim().split("\n").slice(-8).join("\n")}`;
  return { ok: false, reason, help: mirrorHelp(stackDir) };
}

export function mirrorHelp(stackDir: string): string {
  return `To deploy without the registry, give Terraform a provider mirror:
  1. On a machine that reaches registry.terraform.io, in a copy of ${stackDir}:
       terraform providers mirror -platform=linux_amd64 /opt/terraform/providers
  2. Copy /opt/terraform/providers to this host, and tell Terraform to use it in ~/.terraformrc
     (or the file TF_CLI_CONFIG_FILE names):
       provider_installation {
         filesystem_mirror {
           path    = "/opt/terraform/providers"
           include = ["${PROVIDER}"]
         }
         direct {
           exclude = ["${PROVIDER}"]
         }
       }
  3. Run the command again. (A network mirror works the same way: network_mirror { url = "…" }.)`;
}
