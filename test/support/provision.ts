// `npm test`'s first step (pretest): the system parts the suite runs for real, provisioned before any test
// starts. As root with apt it installs what is missing and says why; otherwise it stops at once, listing what is
// missing and the command that installs it. Then the Docker engine (started if it doesn't answer) and the local
// images (built once, so the image and end-to-end tests find them cached instead of racing to build them).
// `--dry-run` prints what it would do and changes nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { LOCAL_IMAGES } from "../../lib/model/images.ts";

/** Debian package → why the suite needs it. */
export const PACKAGES: Record<string, string> = {
  postgresql: "a real PostgreSQL for keys, spend and outage tests (test/support/postgres.ts)",
  "redis-server": "a real Redis for the cache, rate-limit and shared-cooldown tests (test/support/redis.ts)",
  nginx: "the benchmark's mock provider (npm run bench, its smoke test)",
  wrk: "the benchmark's load generator",
  "docker.io": "the Docker engine for the image and end-to-end stack tests",
  debootstrap: "the Debian base of the local images (gatekit images build)",
  chromium: "the console's browser tests (playwright-core drives /usr/bin/chromium)",
};
const SERVICES = ["postgresql", "redis-server", "nginx"]; // Debian starts them on install; the tests run their own

const dryRun = process.argv.includes("--dry-run");
const say = (line: string) => console.log(`npm test: ${line}`);
const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;

/** The packages of `names` that dpkg does not report installed (all of them when there is no dpkg). */
export function missingPackages(names: string[]): string[] {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Package} ${db:Status-Status}\n", ...names], { encoding: "utf8" });
  if (r.error) return names;
  const installed = new Set(r.stdout.split("\n").filter((l) => l.endsWith(" installed")).map((l) => l.split(" ")[0]));
  return names.filter((n) => !installed.has(n));
}

const installCommand = (pkgs: string[]) => `apt-get install -y --no-install-recommends ${pkgs.join(" ")}`;

function run(cmd: string, args: string[]): void {
  if (dryRun) return say(`(dry run) would run: ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** Stops npm test before any test runs; the closing line stays the suite's usual one. */
function stop(lines: string[]): never {
  console.error(lines.join("\n"));
  console.log("0 passed, 1 failed");
  process.exit(1);
}

function packages(): void {
  const missing = missingPackages(Object.keys(PACKAGES));
  if (!missing.length) return;
  const list = missing.map((p) => `  ${p.padEnd(13)} ${PACKAGES[p]}`);
  const root = process.getuid?.() === 0;
  if (!root || !ok("sh", ["-c", "command -v apt-get"])) {
    stop([
      "npm test: these system packages are missing (the tests run them for real):",
      ...list,
      "Install them (Debian/Ubuntu), then run npm test again:",
      `  ${root ? "" : "sudo "}apt-get update && ${root ? "" : "sudo "}${installCommand(missing)}`,
    ]);
  }
  say(`installing Debian packages the tests run for real:\n${list.join("\n")}`);
  run("apt-get", ["update", "-qq"]);
  run("apt-get", [...installCommand(missing).split(" ").slice(1), "-qq"]);
  for (const s of SERVICES) if (missing.includes(s) && !dryRun) spawnSync("service", [s, "stop"], { stdio: "ignore" });
}

function dockerEngine(): void {
  if (ok("docker", ["info"])) return;
  say("the Docker engine does not answer; starting it (scripts/docker-engine.sh) for the image and end-to-end tests");
  try {
    run("bash", ["scripts/docker-engine.sh"]);
  } catch {
    stop(["npm test: the Docker engine could not be started (see above). Start it — `sudo bash scripts/docker-engine.sh`, or your system's docker service — and run npm test again."]);
  }
}

function images(): void {
  const tags = Object.values(LOCAL_IMAGES);
  if (ok("docker", ["image", "inspect", ...tags])) return;
  say("building the local images once (the image and end-to-end tests run them; the first build makes the Debian base with debootstrap, a few minutes): gatekit images build");
  try {
    run(process.execPath, ["bin/gatekit.js", "images", "build"]);
  } catch {
    stop(["npm test: `gatekit images build` failed (see above); fix that and run npm test again."]);
  }
}

packages();
dockerEngine();
images();
