/**
 * A bare Git repository served over HTTP by Git's own `git http-backend`, through a small CGI wrapper on
 * 127.0.0.1 (RFC 3875: request line and headers become environment variables, the body goes to stdin,
 * the script answers with CGI headers and a body). Used by the concurrency fault test and the contention
 * bench: workers on separate clones push to one origin as CI jobs push to GitHub — over HTTP, with Git
 * refusing a non-fast-forward push.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const BACKEND = (() => {
  const execPath = spawnSync('git', ['--exec-path'], { encoding: 'utf8' }).stdout.trim();
  return path.join(execPath, 'git-http-backend');
})();

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>` for a bare repository `<root>/<name>`. */
  url(name: string): string;
  /** Requests served (for the log). */
  requests: number;
  close(): Promise<void>;
}

/** Serves every bare repository under `root`, push enabled (http.receivepack), anonymous, loopback only. */
export async function serveGitHttp(root: string): Promise<GitHttpServer> {
  const state = { requests: 0 };
  const server = http.createServer((request, response) => {
    state.requests += 1;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
      REMOTE_USER: 'worker',
      CONTENT_TYPE: request.headers['content-type'] ?? '',
    };
    if (request.headers['content-length']) env.CONTENT_LENGTH = request.headers['content-length'];
    if (request.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = request.headers['content-encoding'];
    if (request.headers['git-protocol']) env.GIT_PROTOCOL = String(request.headers['git-protocol']);
    const cgi = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    request.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let separator = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        separator = 2;
      }
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else response.setHeader(name, value);
      }
      response.writeHead(status);
      response.write(head.subarray(end + separator));
    });
    cgi.stdout.on('end', () => response.end());
    cgi.on('error', () => {
      response.writeHead(500);
      response.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
