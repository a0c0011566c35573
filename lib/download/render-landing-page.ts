import 'server-only';
import { formatSize } from '../env/units';
import { escapeHtml, PAGE_HEAD, PAGE_STYLE, type ErrorAnswer } from './render-download-error';

export type LandingPage = {
  name: string;
  size: number;
  /** The query the Download button sends (the link token plus `dl=1`). */
  token: string;
  usesLeft: number;
  expiresAt: Date;
};

const BUTTON_STYLE = `<style>
form{margin-top:1.5rem}
button{width:100%;padding:.7rem 1rem;font:inherit;font-weight:600;color:#fff;background:#4f46e5;border:0;border-radius:10px;cursor:pointer}
button:hover{background:#4338ca}
.meta{margin-top:.35rem;font-size:.9rem;color:#6b7280}
.name{font-weight:600;overflow-wrap:anywhere}
</style>`;

/**
 * The page a browser sees when it opens a one-time or limited link: it names the file and
 * offers a Download button, so mail scanners and chat previews that merely fetch the URL do
 * not use the link up. The button is a GET form (browsers can resume a GET download).
 */
export function renderLandingPage({ name, size, token, usesLeft, expiresAt }: LandingPage): ErrorAnswer {
  const uses = usesLeft === 1 ? 'This link works once.' : `This link works ${usesLeft} more times.`;
  const body =
    `${PAGE_HEAD}<title>${escapeHtml(name)}</title>${PAGE_STYLE}${BUTTON_STYLE}</head><body><main>` +
    `<p class="status">Download</p><h1 class="name">${escapeHtml(name)}</h1>` +
    `<p class="meta">${escapeHtml(formatSize(size))} · ${escapeHtml(uses)} It expires ${escapeHtml(expiresAt.toISOString().replace('T', ' ').slice(0, 16))} UTC.</p>` +
    `<form method="get"><input type="hidden" name="t" value="${escapeHtml(token)}"><input type="hidden" name="dl" value="1">` +
    `<button type="submit">Download</button></form></main></body></html>\n`;
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    },
    body,
  };
}
