import { type AddressInfo, type Server, type Socket, createServer, connect } from 'node:net';

/**
 * A TCP proxy to the emulator that can stall: while stalled, bytes stop flowing both ways on every
 * connection open at that moment and on any opened during the stall, and the sockets stay open, like
 * a half-open connection behind a dead NAT entry. Connections opened after `resume()` work again
 * (the stalled ones stay dead), as with a network that recovered.
 */
export class StallingProxy {
  private readonly server: Server;
  private readonly links: { client: Socket; upstream: Socket; stalled: boolean }[] = [];
  private stalling = false;

  private constructor(upstreamPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1');
      const link = { client, upstream, stalled: this.stalling };
      this.links.push(link);
      client.on('data', (chunk: Buffer) => void (link.stalled || upstream.write(chunk)));
      upstream.on('data', (chunk: Buffer) => void (link.stalled || client.write(chunk)));
      const closeBoth = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', closeBoth).on('error', closeBoth);
      upstream.on('close', closeBoth).on('error', closeBoth);
    });
  }

  static async start(upstreamPort: number): Promise<StallingProxy> {
    const proxy = new StallingProxy(upstreamPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stall(): void {
    this.stalling = true;
    for (const link of this.links) link.stalled = true;
  }

  resume(): void {
    this.stalling = false;
  }

  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}
