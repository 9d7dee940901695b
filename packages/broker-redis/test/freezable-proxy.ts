import { type AddressInfo, type Server, type Socket, createServer, connect } from 'node:net';

/**
 * A TCP proxy to Redis that can freeze chosen connections: bytes stop flowing both ways while the
 * sockets stay open, like a half-open connection behind a dead NAT entry. Only such a stall (no
 * error, no close) shows whether the consumer's watchdog notices it.
 */
export class FreezableProxy {
  private readonly server: Server;
  private readonly links: { client: Socket; upstream: Socket; greeting: string; frozen: boolean }[] = [];

  private constructor(upstreamPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1');
      const link = { client, upstream, greeting: '', frozen: false };
      this.links.push(link);
      client.on('data', (chunk: Buffer) => {
        // The first bytes carry CLIENT SETNAME, which says whose connection it is.
        if (link.greeting.length < 512) link.greeting += chunk.toString('latin1');
        if (!link.frozen) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!link.frozen) client.write(chunk);
      });
      const closeBoth = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', closeBoth).on('error', closeBoth);
      upstream.on('close', closeBoth).on('error', closeBoth);
    });
  }

  static async start(upstreamPort = 6379): Promise<FreezableProxy> {
    const proxy = new FreezableProxy(upstreamPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Freeze every open connection whose greeting contains `marker`; returns how many. */
  freeze(marker: string): number {
    const matching = this.links.filter((link) => !link.client.destroyed && link.greeting.includes(marker));
    for (const link of matching) link.frozen = true;
    return matching.length;
  }

  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}
