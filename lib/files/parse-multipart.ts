// multipart/form-data uploads (browser form posts, `POST /api/v1/files`, curl -F), parsed as a
// stream with busboy: no part of the body is ever held in memory as a whole.
//
// All files of a request are received into temp files first and stored only once the body
// arrived completely, so a request that breaks off or carries one oversized file stores nothing.
import 'server-only';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { Actor } from '../audit';
import { env } from '../env';
import { formatSize } from '../env/units';
import { AppError } from '../errors';
import { discardUpload, finalizeUpload, receiveUpload, type StagedUpload } from './store-file';
import type { FileRecord, Visibility } from './types';

export const FILE_FIELD = 'file';
export const NAME_FIELD = 'name';

// Generous for forms, small enough that nobody can make the parser buffer much.
const LIMITS = { files: 100, fields: 50, parts: 200, fieldSize: 16 * 1024, fieldNameSize: 100, headerPairs: 50 };

export type MultipartUploadInput = {
  headers: Record<string, string | undefined>;
  body: Readable;
  visibility?: Visibility;
  replace?: boolean;
  actor: Actor;
};

/**
 * Stores every part named `file` of a multipart body and returns their records in order.
 * A text field `name` sent before a file part names that file (the browser's filename
 * parameter cannot carry every character exactly). On failure nothing from the request is
 * stored, except when the final step of a later file fails (e.g. a name taken in the
 * meantime): files already stored stay stored.
 *
 * After a rejection the body may be only partly read; the HTTP layer should answer with
 * `Connection: close`.
 */
export async function receiveMultipartUpload({
  headers,
  body,
  visibility,
  replace = false,
  actor,
}: MultipartUploadInput): Promise<FileRecord[]> {
  const staged = await receiveParts({ headers, body, replace });
  const records: FileRecord[] = [];
  for (let i = 0; i < staged.length; i++) {
    try {
      records.push(await finalizeUpload({ ...staged[i], visibility, replace, actor }));
    } catch (error) {
      await Promise.all(staged.slice(i + 1).map(discardUpload));
      throw error;
    }
  }
  return records;
}

function receiveParts({
  headers,
  body,
  replace,
}: Pick<MultipartUploadInput, 'headers' | 'body' | 'replace'>): Promise<StagedUpload[]> {
  const contentType = headers['content-type'];
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType.trim())) {
    return Promise.reject(
      new AppError(
        'bad_request',
        `Send the upload as multipart/form-data with the file in a field named "${FILE_FIELD}".`,
      ),
    );
  }
  const maxSize = env().maxUploadSize;

  return new Promise<StagedUpload[]>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        // One byte over the limit, so an oversized file is told apart from one exactly at it.
        limits: { ...LIMITS, fileSize: maxSize + 1 },
        // Browsers and undici send file names as raw UTF-8; busboy's default would read Latin-1.
        defParamCharset: 'utf8',
        // The filename exactly as sent: busboy would cut `reports/2026/x.txt` to `x.txt`, which
        // then could replace another file. The one name rule (file-name.ts) refuses the slash.
        preservePath: true,
      });
    } catch {
      reject(new AppError('bad_request', 'The multipart/form-data header has no valid boundary.'));
      return;
    }

    const receives: Promise<StagedUpload>[] = [];
    const namesSeen = new Set<string>();
    let nextName: string | undefined;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      body.unpipe(parser);
      // Ends the file stream being received, so its temp file is removed too.
      parser.destroy(error instanceof Error ? error : undefined);
      void Promise.allSettled(receives).then(async (results) => {
        await Promise.all(results.map((r) => (r.status === 'fulfilled' ? discardUpload(r.value) : Promise.resolve())));
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    };

    parser.on('file', (field, stream, info) => {
      // Errors reach the reader of the stream (receiveUpload); this only keeps one that
      // happens before reading starts, or on a skipped part, from crashing the process.
      stream.on('error', () => {});
      if (settled || field !== FILE_FIELD) {
        stream.resume();
        return;
      }
      const name = nextName ?? info.filename;
      nextName = undefined;
      if (name === undefined || name === '') {
        stream.resume();
        fail(
          new AppError(
            'bad_request',
            `The "${FILE_FIELD}" part has no file name: add a filename or send a "${NAME_FIELD}" field before it.`,
          ),
        );
        return;
      }
      if (!replace && namesSeen.has(name.trim().normalize('NFC'))) {
        stream.resume();
        fail(new AppError('conflict', `The request contains two files named "${name}".`));
        return;
      }
      namesSeen.add(name.trim().normalize('NFC'));
      stream.on('limit', () => {
        stream.destroy(
          new AppError('payload_too_large', `The file is larger than the upload limit of ${formatSize(maxSize)}.`),
        );
      });
      const receive = receiveUpload({ source: stream, name, replace });
      receive.catch(fail);
      receives.push(receive);
    });

    parser.on('field', (field, value, info) => {
      if (field !== NAME_FIELD) return;
      if (info.valueTruncated) {
        fail(new AppError('validation_failed', 'The file name is too long.'));
        return;
      }
      nextName = value;
    });

    const tooMany = () =>
      fail(
        new AppError('bad_request', `Too many parts in one upload: send at most ${LIMITS.files} files per request.`),
      );
    parser.on('filesLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('partsLimit', tooMany);

    parser.on('error', (error) => fail(asParseError(error)));
    parser.on('finish', () => {
      void Promise.allSettled(receives).then((results) => {
        if (settled) return;
        if (results.length === 0) {
          fail(new AppError('bad_request', `Send the file in a multipart/form-data field named "${FILE_FIELD}".`));
          return;
        }
        const rejected = results.find((r) => r.status === 'rejected');
        if (rejected) {
          fail(rejected.reason);
          return;
        }
        settled = true;
        resolve(results.map((r) => (r as PromiseFulfilledResult<StagedUpload>).value));
      });
    });

    // pipe() does not forward errors: a client that disconnects must end the parse itself.
    body.on('error', () => fail(interrupted()));
    body.on('close', () => {
      if (!body.readableEnded) fail(interrupted());
    });
    body.pipe(parser);
  });
}

function interrupted(): AppError {
  return new AppError('bad_request', 'The upload was interrupted before the whole request arrived.');
}

function asParseError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : '';
  if (/Unexpected end/i.test(message)) return interrupted();
  return new AppError('bad_request', 'The multipart/form-data body is malformed.');
}

/** A Web `Request` body (Next route handlers) as a Node stream for `receiveMultipartUpload`. */
export function requestBodyToReadable(request: Request): Readable {
  if (!request.body) return Readable.from([]);
  return Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>);
}

/** The headers `receiveMultipartUpload` needs, from a Web `Request`. */
export function uploadHeadersOf(request: Request): MultipartUploadInput['headers'] {
  return {
    'content-type': request.headers.get('content-type') ?? undefined,
    'content-length': request.headers.get('content-length') ?? undefined,
  };
}
