// nginx as the reference: Debian's binary, run unprivileged-style from a temp prefix with a
// generated config. Two locations over the server's storage dir: /s/<id> behind nginx's own
// signed expiring URLs (secure_link, md5), and /plain/<id> with nothing but sendfile.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childPids, hasCommand, startProcess } from './processes.mjs';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

export function findNginx() {
  const found = CANDIDATES.find((file) => fs.existsSync(file));
  if (found) return found;
  return hasCommand('nginx') ? 'nginx' : null;
}

export function nginxVersion(binary) {
  try {
    return execFileSync(binary, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || undefined;
  } catch (error) {
    return String(error.stderr ?? '').trim() || undefined;
  }
}

/** Starts nginx on 127.0.0.1:port serving `filesDir`; returns { url, pids(), signedPath(id), stop }. */
export async function startNginx({ binary, prefix, port, filesDir, cores }) {
  const secret = crypto.randomBytes(24).toString('base64url');
  for (const dir of ['logs', 'temp']) fs.mkdirSync(path.join(prefix, dir), { recursive: true });
  const temp = (name) => path.join(prefix, 'temp', name);
  const conf = path.join(prefix, 'nginx.conf');
  // As root, workers would switch to `nobody`, which cannot read a 0700 temp dir.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  fs.writeFileSync(
    conf,
    `${user}
worker_processes 1;
daemon off;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  server {
    listen 127.0.0.1:${port};
    location /s/ {
      secure_link $arg_md5,$arg_expires;
      secure_link_md5 "$secure_link_expires$uri ${secret}";
      if ($secure_link = "") { return 403; }
      if ($secure_link = "0") { return 410; }
      alias ${filesDir}/;
    }
    location /plain/ {
      alias ${filesDir}/;
    }
  }
}
`,
  );
  const proc = startProcess('nginx', binary, ['-p', prefix, '-e', path.join(prefix, 'logs', 'error.log'), '-c', conf], {
    cores,
  });
  await waitForHttp(`http://127.0.0.1:${port}/plain/`, proc);
  return {
    url: `http://127.0.0.1:${port}`,
    pids: () => [proc.pid, ...childPids(proc.pid)],
    /** `/s/<id>?md5=...&expires=...`, valid for `ttlSeconds`. */
    signedPath(id, ttlSeconds = 3600) {
      const uri = `/s/${id}`;
      const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
      const md5 = crypto.createHash('md5').update(`${expires}${uri} ${secret}`).digest('base64url');
      return `${uri}?md5=${md5}&expires=${expires}`;
    },
    stop: () => proc.stop(),
  };
}

async function waitForHttp(url, proc, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (proc.child.exitCode !== null) throw new Error(`nginx exited:\n${proc.output()}`);
      if (Date.now() > deadline) throw new Error(`nginx did not answer within ${timeoutMs / 1000}s:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
