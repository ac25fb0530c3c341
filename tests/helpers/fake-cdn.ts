import { FakeServer, type FakeRequest } from './fake-server.js';

/** A picture host (Meta's or Zalo's CDN) on 127.0.0.1: serves the bytes put there, records every download. */
export class FakeCdn {
  readonly server: FakeServer;
  private files = new Map<string, { bytes: Buffer; type: string }>();

  private constructor() {
    this.server = new FakeServer((r, res) => {
      const f = this.files.get(r.path);
      if (!f) return { status: 404, json: { error: 'not found' } };
      res.writeHead(200, { 'content-type': f.type, 'content-length': String(f.bytes.length) });
      res.end(f.bytes);
      return 'handled';
    });
  }

  static async start(): Promise<FakeCdn> {
    const c = new FakeCdn();
    await c.server.listen();
    return c;
  }

  /** Serves `bytes` at `path`; returns its URL. */
  put(path: string, bytes: Buffer, type = 'image/png'): string {
    this.files.set(path, { bytes, type });
    return `${this.server.url}${path}`;
  }

  downloads(path: string): FakeRequest[] {
    return this.server.requests.filter((r) => r.method === 'GET' && r.path === path);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
