/**
 * A small static file server for a built site, on 127.0.0.1 only: `npm start` and the browser tests use
 * it. Folders answer with their index.html, attachments (`.bin`) go out as downloads, and no path can
 * leave the site's folder.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/atom+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Maps a request path to a file inside `dir`, or undefined (never outside `dir`). */
export function resolveRequest(dir: string, base: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith(base) || decoded.includes('\0')) return undefined;
  const relative = decoded.slice(base.length);
  const root = path.resolve(dir);
  let file = path.resolve(root, `.${path.posix.sep}${relative}`);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

/** Serves `dir` under `base` on 127.0.0.1 (port 0 picks a free one). */
export function serveStatic(dir: string, options: { port?: number; base?: string } = {}): Promise<StaticServer> {
  const base = options.base ?? '/';
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (pathname === base.replace(/\/$/, '')) {
      response.writeHead(301, { Location: base }).end();
      return;
    }
    const file = resolveRequest(dir, base, pathname);
    if (!file) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers: Record<string, string> = { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
    if (type === 'application/octet-stream') headers['Content-Disposition'] = 'attachment';
    response.writeHead(200, headers);
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}${base}`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
