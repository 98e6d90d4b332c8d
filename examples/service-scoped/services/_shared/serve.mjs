/**
 * The tiny HTTP face shared by the long-running services: listens on 127.0.0.1 (port from `--port N`, else PORT, default 0 = any
 * free port), prints `LISTENING <port>` so whoever started it knows where to ask, answers `GET /health` and
 * `POST /report` (body: a probe, see report.mjs), and stops cleanly on SIGINT/SIGTERM.
 */
import { createServer } from 'node:http';
import { report } from './report.mjs';

const MAX_BODY = 1 << 20;

/** @param {string} name the instance's name, shown in replies */
export function serve(name, extra = () => ({})) {
  const server = createServer((request, response) => {
    const reply = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    if (request.method === 'GET' && request.url === '/health') return reply(200, { name, ok: true });
    if (request.method !== 'POST' || request.url !== '/report') return reply(404, { error: 'not found' });
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
      if (body.length > MAX_BODY) request.destroy();
    });
    request.on('end', () => {
      let probe;
      try {
        probe = body === '' ? {} : JSON.parse(body);
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      reply(200, { name, ...extra(), ...report(probe) });
    });
  });
  const flag = process.argv.indexOf('--port');
  const port = flag === -1 ? Number(process.env.PORT ?? 0) : Number(process.argv[flag + 1]);
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`LISTENING ${server.address().port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}
