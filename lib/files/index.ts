// The files domain, for server code (route handlers, server actions, the CLI). Client
// components import './schemas' directly: everything else here is server-only.
import 'server-only';

export { RESERVED_PATHS, isReservedPath } from './reserved-paths';
export { chooseFileId, deriveFileId, fileIdDigest, type ChosenFileId, type FileIdOptions } from './file-id';
export { fileNameSchema, normalizeFileName, MAX_FILE_NAME_BYTES } from './file-name';
export {
  storeFile,
  storeFileFromPath,
  receiveUpload,
  finalizeUpload,
  discardUpload,
  contentTypeFor,
  ensureTempDir,
  type StoreFileInput,
  type StoreFileFromPathInput,
  type StagedUpload,
} from './store-file';
export {
  receiveMultipartUpload,
  requestBodyToReadable,
  uploadHeadersOf,
  type MultipartUploadInput,
} from './parse-multipart';
export {
  listFiles,
  DEFAULT_ORDER,
  type ListFilesInput,
  type ListFilesResult,
  type FileSort,
  type SortOrder,
} from './list-files';
export { getFile, getFileByName, requireFile } from './get-file';
export { deleteFile } from './delete-file';
export { setVisibility } from './set-visibility';
export { serializeFile, fileUrl, fileByNameUrl, type FileObject } from './serialize-file';
export {
  checkStorageConsistency,
  describeStorageConsistency,
  cleanupTempFiles,
  type StorageConsistency,
} from './storage-consistency';
export * from './schemas';
export type { FileRecord, Visibility } from './types';
