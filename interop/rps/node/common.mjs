// The glue every Node relying party shares: the HTTP server the interop driver talks to. The libraries
// under test do the protocol; this only routes /login, /callback, ... to them and answers JSON.
import http from 'node:http';

export function env() {
  return {
    issuer: process.env.ISSUER,
    port: Number(process.env.PORT),
    base: `http://localhost:${process.env.PORT}`,
    clients: JSON.parse(process.env.CLIENTS),
  };
}

export function serve(port, routes) {
  const srv = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://localhost:${port}`);
    const route = routes[url.pathname];
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (!route) return send(404, 'not found');
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      req.body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const out = await route(url, req);
      if (out && out.redirect) return send(302, '', { location: String(out.redirect) });
      send(200, JSON.stringify({ ok: true, ...out }), { 'content-type': 'application/json' });
    } catch (err) {
      const detail = err && err.cause ? ` (${JSON.stringify(err.cause)})` : '';
      send(200, JSON.stringify({ ok: false, error: `${err && (err.code || err.name)}: ${err && err.message}${detail}` }), {
        'content-type': 'application/json',
      });
    }
  });
  srv.listen(port, '127.0.0.1', () => console.log(`relying party on http://localhost:${port}`));
  return srv;
}

/** The JSON payload of a compact JWS, for reporting what the library already validated. */
export function payload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}
