// Prints a free TCP port on loopback (for tests; never the defaults a user's server may hold).
import net from 'node:net';

const server = net.createServer();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
  server.close();
});
