import 'server-only';
import { env } from '../env';
import type { FileRecord, Visibility } from './types';

/** A file as the API, the UI and the CLI show it. */
export type FileObject = {
  id: string;
  name: string;
  size: number;
  type: string;
  visibility: Visibility;
  /** ISO 8601, UTC. */
  uploadedAt: string;
  downloads: number;
  /** Absolute short URL, `${PUBLIC_URL}/<id>`. */
  url: string;
};

export function serializeFile(file: FileRecord): FileObject {
  return {
    id: file.id,
    name: file.name,
    // Exact up to 8 PiB (2^53 bytes).
    size: Number(file.size),
    type: file.type,
    visibility: file.visibility === 'public' ? 'public' : 'private',
    uploadedAt: file.uploadedAt.toISOString(),
    downloads: file.downloads,
    url: fileUrl(file.id),
  };
}

/** The short URL of a file id. Ids imported from Flask may hold `+` or `/`, hence the encoding. */
export function fileUrl(id: string): string {
  return `${env().publicUrl}/${encodeURIComponent(id)}`;
}

/** The by-name URL of a file. */
export function fileByNameUrl(name: string): string {
  return `${env().publicUrl}/by-name/${encodeURIComponent(name)}`;
}
