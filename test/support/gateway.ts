// An in-process gateway (createGateway behind node:http on a free loopback port) for endpoint tests.
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { loadGatewayConfig } from "../../lib/gateway/config/load.ts";
import { createListener } from "../../lib/gateway/http/listener.ts";
import { createLogger } from "../../lib/gateway/log.ts";
import { createGateway, type Gateway } from "../../lib/gateway/server.ts";

export const MASTER_KEY = "sk-test-master-0123456789abcdef0123456789";

export interface TestGateway {
  url: string;
  gateway: Gateway;
  client(key?: string): OpenAI;
  close(): Promise<void>;
}

/** `port`: 0 for any free one. */
export async function startGateway(config: unknown, env: NodeJS.ProcessEnv = {}, port = 0): Promise<TestGateway> {
  const cfg = loadGatewayConfig({ config, env: { LITELLM_MASTER_KEY: MASTER_KEY, ...env } });
  const gateway = createGateway(cfg, { logger: createLogger("CRITICAL") });
  const server = createListener((req, res) => gateway.handle(req, res));
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, gateway,
    client: (key = MASTER_KEY) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await gateway.close();
    },
  };
}

/**
 * Asks (the attempt's number given) until `picked()` holds, at most `max` times. The router's pick is a weighted
 * shuffle, so a test that needs one deployment of a group chosen asks until it was: 50 misses of one of two is 2^-50.
 */
export async function askUntil(ask: (attempt: number) => Promise<unknown>, picked: () => boolean | Promise<boolean>, max = 50): Promise<void> {
  for (let i = 0; i < max && !(await picked()); i++) await ask(i);
}
