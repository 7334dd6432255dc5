/** A tiny HTTP server on 127.0.0.1 (random port) serving fixed routes: the panel page and its assets. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  type: string;
  body: string | Buffer | ((origin: string) => string);
}

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function startStaticServer(routes: Record<string, Route>): Promise<StaticServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0]];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const body = typeof route.body === 'function' ? route.body(origin) : route.body;
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
