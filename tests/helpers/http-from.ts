import http from 'node:http';

export interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

/**
 * An HTTP request from a chosen loopback source address (127.0.0.2, ...), so one test can play a client that
 * connects directly and a reverse proxy at 127.0.0.1 that forwards for others.
 */
export function requestFrom(localAddress: string, url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: o.method ?? (o.body === undefined ? 'GET' : 'POST'), localAddress, agent: false,
      headers: { ...(o.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
