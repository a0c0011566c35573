// The file facts a download needs, by id or by name, through prepared statements on the
// read-only connection (lib/db/read-only.ts) instead of Prisma: this runs on every download.
import { prepared } from '../db/hot-writer';
import { readOnlyDb } from '../db/read-only';
import { fileNameSchema } from '../files/file-name';

export type DownloadableFile = {
  id: string;
  name: string;
  size: number;
  visibility: string;
  uploadedAt: Date;
  /** The file's incarnation (lib/files storeFile); share links carry it. */
  generation: string;
};

// uploadedAt is integer epoch ms as Prisma writes it (timestampFormat 'unixepoch-ms'); a row
// written by hand with SQLite's CURRENT_TIMESTAMP holds text, which Date.parse reads as UTC.
type Row = {
  id: string;
  name: string;
  size: number | bigint;
  visibility: string;
  uploadedAt: number | string;
  generation: string;
};

const BY_ID = 'SELECT id, name, size, visibility, uploadedAt, generation FROM File WHERE id = ?';
const BY_NAME = 'SELECT id, name, size, visibility, uploadedAt, generation FROM File WHERE name = ?';

export function findDownloadableFileById(id: string): DownloadableFile | null {
  if (!id) return null;
  return toFile(prepared(readOnlyDb(), BY_ID).get(id) as Row | undefined);
}

/** Normalized like an uploaded name (trimmed, NFC); a name that could never be stored is not found. */
export function findDownloadableFileByName(name: string): DownloadableFile | null {
  const parsed = fileNameSchema.safeParse(name);
  if (!parsed.success) return null;
  return toFile(prepared(readOnlyDb(), BY_NAME).get(parsed.data) as Row | undefined);
}

function toFile(row: Row | undefined): DownloadableFile | null {
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    visibility: row.visibility,
    generation: row.generation,
    uploadedAt: new Date(
      typeof row.uploadedAt === 'string' ? Date.parse(`${row.uploadedAt.replace(' ', 'T')}Z`) : row.uploadedAt,
    ),
  };
}
