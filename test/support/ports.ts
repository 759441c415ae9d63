import net from "node:net";
import { portHeld } from "../../lib/gateway/http/listener.ts";

/** A port free on loopback right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** For a command with fixed ports: true, after one line naming those another process holds and exit code 2. */
export async function refusedForBusyPorts(command: string, ports: number[]): Promise<boolean> {
  const held = await Promise.all(ports.map((port) => portHeld(port, "127.0.0.1")));
  const busy = ports.filter((_, i) => held[i]);
  if (!busy.length) return false;
  console.error(`${command}: port ${busy.join(", ")} on 127.0.0.1 already in use (ss -ltnp shows by what); stop it and run again`);
  process.exitCode = 2;
  return true;
}
