import { env } from '../env';

/** The absolute URL a recipient opens: `<PUBLIC_URL>/<file id>?t=<token>`. */
export function linkUrl(fileId: string, token: string): string {
  return `${env().publicUrl}/${encodeURIComponent(fileId)}?t=${token}`;
}
