// The tus server behind /api/uploads: resumable, chunked uploads for the browser (and any tus
// client). Bytes collect in <storageDir>/.tus; when the last byte arrives the file goes through
// the same final step as every other upload (`storeFileFromPath`: size limit, id, rename, row,
// audit) and the partial upload is gone.
import 'server-only';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ERRORS, EVENTS, Server, type Upload } from '@tus/server';
import type { FileStore } from '@tus/file-store';
import type { Actor } from '../audit';
import { env } from '../env';
import { formatSize } from '../env/units';
import { AppError, errorBody, isDiskFull, toAppError } from '../errors';
import { getFileByName, storeFileFromPath } from '../files';
import { createUploadStore } from './upload-store';
import { parseUploadMetadata } from './upload-metadata';

export const UPLOAD_PATH = '/api/uploads';

/** Response header of the request that completed an upload: the stored file's id. */
export const FILE_ID_HEADER = 'X-File-Id';

export type UploadServer = {
  server: Server;
  store: FileStore;
  /** Who is making `request`; set by the caller before handing the request to tus. */
  actors: WeakMap<Request, Actor>;
};

/** A tus server for the current configuration. Tests make their own; the app uses `uploadServer()`. */
export function createUploadServer(): UploadServer {
  const store = createUploadStore();
  const actors = new WeakMap<Request, Actor>();
  const server = new Server({
    path: UPLOAD_PATH,
    datastore: store,
    maxSize: env().maxUploadSize,
    // The browser resolves `/api/uploads/<id>` against the page's own origin, so the URL is
    // right behind the front server and any proxy, whatever Host or scheme Next was given.
    relativeLocation: true,
    // Same-origin only (the page or an API client); no CORS answers for other sites.
    allowedOrigins: [],

    // Checked when the upload is created, so nobody sends gigabytes to hear the name is taken.
    async onUploadCreate(_req, upload) {
      const { name, replace } = parseOrThrow(upload);
      if (!replace && (await getFileByName(name)))
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- @tus/server answers thrown { status_code, body }
        throw tusError(nameTaken(name));
      return {};
    },

    async onUploadFinish(req, upload) {
      const actor = actors.get(req);
      const bytesPath = path.join(store.directory, upload.id);
      let fileId: string;
      try {
        if (!actor) throw new AppError('unauthorized', 'Sign in or send an API token (Authorization: Bearer <token>).');
        const { name, visibility, replace } = parseUploadMetadata(upload.metadata);
        // Moves the bytes into place, or removes them: either way they leave the upload directory.
        fileId = (await storeFileFromPath({ tempPath: bytesPath, name, visibility, replace, actor })).id;
      } catch (error) {
        await discardUpload(store, upload.id);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- @tus/server answers thrown { status_code, body }
        throw tusError(error);
      }
      if (req.method === 'POST') {
        // An upload finished by its creating POST (an empty file) is read back by tus after
        // this hook; an empty stand-in answers that read until POST_FINISH removes the pair.
        await fs.writeFile(bytesPath, '');
      } else {
        await discardUpload(store, upload.id);
      }
      return { headers: { [FILE_ID_HEADER]: fileId } };
    },

    onResponseError(_req, error) {
      // Ours (the store's 507 on a full disk) and a full disk anywhere else in tus (its info
      // file): our message, never the system's.
      if (error instanceof AppError || isDiskFull(error)) return tusError(error);
      if (error === ERRORS.ERR_MAX_SIZE_EXCEEDED) {
        return tusError(
          new AppError(
            'payload_too_large',
            `The file is larger than the upload limit of ${formatSize(env().maxUploadSize)}.`,
          ),
        );
      }
      return undefined;
    },
  });
  server.on(EVENTS.POST_FINISH, (_req: unknown, _res: unknown, upload: Upload) => {
    void discardUpload(store, upload.id);
  });
  return { server, store, actors };
}

/** Removes both halves of an upload (its bytes and its info file), whichever still exist. */
async function discardUpload(store: FileStore, id: string): Promise<void> {
  for (const file of [path.join(store.directory, id), path.join(store.directory, `${id}.json`)]) {
    await fs.rm(file, { force: true }).catch((error) => console.error(`[uploads] could not remove ${file}:`, error));
  }
}

type Cached = { key: string; value: UploadServer };
const globalForUploads = globalThis as typeof globalThis & { __fileserverUploads?: Cached };

/**
 * The process's tus server (one per configuration, shared by every route bundle through
 * globalThis so that its upload locks are really shared). Abandoned partial uploads are
 * removed by the front server's scheduler (lib/server/main.ts), not here.
 */
export function uploadServer(): UploadServer {
  const { storageDir, maxUploadSize, uploadExpiryMs } = env();
  const key = JSON.stringify([storageDir, maxUploadSize, uploadExpiryMs]);
  const cached = globalForUploads.__fileserverUploads;
  if (cached?.key === key) return cached.value;
  const value = createUploadServer();
  globalForUploads.__fileserverUploads = { key, value };
  return value;
}

function parseOrThrow(upload: Upload) {
  try {
    return parseUploadMetadata(upload.metadata);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- @tus/server answers thrown { status_code, body }
    throw tusError(error);
  }
}

function nameTaken(name: string): AppError {
  return new AppError('conflict', `A file named "${name}" already exists. Upload it with replace to overwrite it.`, {
    name,
  });
}

/** An error as tus answers it: the status and our usual JSON error body. */
export function tusError(error: unknown): { status_code: number; body: string } {
  const appError = toAppError(error);
  if (appError.code === 'internal') console.error('[uploads]', error);
  return { status_code: appError.status, body: JSON.stringify(errorBody(appError)) };
}
