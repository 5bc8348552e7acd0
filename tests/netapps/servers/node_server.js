// A node http server for the netapps tests: JSON for GET, an echo of POSTed bodies (length
// and SHA-256), a counter, and 404. Listens on HOST PORT from its arguments.
'use strict';
const http = require('http');
const crypto = require('crypto');

const [host, port] = process.argv.slice(2);
let count = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/hello') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({message: 'hello from node', params: Object.fromEntries([...url.searchParams].sort())}) + '\n');
  } else if (req.method === 'POST' && url.pathname === '/echo') {
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk) => { bytes += chunk.length; hash.update(chunk); });
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({bytes, sha256: hash.digest('hex').slice(0, 16)}) + '\n');
    });
  } else if (url.pathname === '/count') {
    count += 1;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({count}) + '\n');
  } else {
    res.statusCode = 404;
    res.end('not found\n');
  }
});
server.listen(Number(port), host);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
