// The download core: one framework-free module for every download route (/<id>, /by-name/<name>,
// share links), usable from a bare Node http server and from Next route handlers alike.
// It never imports Next or the database: callers look the file up and decide access.
import 'server-only';

export {
  planDownload,
  isDownloadMethod,
  type DownloadFile,
  type DownloadInput,
  type DownloadMethod,
  type DownloadPlan,
  type DownloadRequestHeaders,
} from './plan-download';
export { parseRange, type ByteRange } from './parse-range';
export { attachmentDisposition, contentTypeFor, etagFor } from './content-headers';
export { sendDownloadNode, READ_CHUNK_SIZE, type SendDownloadOptions } from './send-download-node';
export { toWebResponse } from './to-web-response';
export { notFound, renderDownloadError, type ErrorAnswer } from './render-download-error';
export { sendErrorNode, errorToWebResponse } from './send-error';
export { resolveStoragePath } from './storage-path';
