// gatekit restart <env>: the gateway instances one at a time, each healthy again before the next.
import { rollingRestart } from "../../ops/docker.ts";
import { dockerEnvironment } from "./ops-env.ts";

export async function run(args: string[]): Promise<number> {
  const env = dockerEnvironment("restart", args[0]);
  if (!env) return 2;
  try {
    await rollingRestart(env, (l) => console.log(l));
    return 0;
  } catch (e) {
    return console.error(`gatekit restart: ${(e as Error).message}`), 1;
  }
}
