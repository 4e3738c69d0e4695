/** Free TCP ports for generated configs (`config-gen --base-port ephemeral`). */
import { createServer, type Server } from "node:net";

/** `count` free TCP ports on `host`, picked by binding port 0 (a race with other programs is possible but rare). */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolveServer, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, host, () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}
