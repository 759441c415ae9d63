import net from "node:net";

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

/** Which of `ports` another process already holds on loopback. */
export async function portsInUse(ports: number[]): Promise<number[]> {
  const held = await Promise.all(ports.map((port) => new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(true));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
  })));
  return ports.filter((_, i) => held[i]);
}
