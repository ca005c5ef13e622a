import { Agent, type IncomingHttpHeaders, request } from 'node:http';

/**
 * One POST over `agent`: the status, the body as text and the headers. `timeoutMs` ends the
 * request with an error (a client's own deadline).
 */
export function postBody(
  agent: Agent,
  base: URL,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs?: number,
): Promise<{ status: number; text: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A small keep-alive JSON client: benchmarks measure the server, not fetch's overhead. */
export function jsonClient(baseUrl: string, token?: string, maxSockets = 64) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post(path: string, body: string): Promise<{ status: number; text: string }> {
      return postBody(
        agent,
        url,
        path,
        {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        Buffer.from(body),
      );
    },
    close(): void {
      agent.destroy();
    },
  };
}
