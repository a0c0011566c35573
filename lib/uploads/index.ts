// Resumable (tus) uploads: the /api/uploads handler and the cleanup of abandoned uploads.
import 'server-only';

export { handleUploadRequest } from './handle-upload-request';
export { uploadServer, createUploadServer, UPLOAD_PATH, FILE_ID_HEADER, type UploadServer } from './upload-server';
export { cleanUpExpiredUploads, createUploadStore, uploadDirectory, UPLOAD_DIR_NAME } from './upload-store';
export { parseUploadMetadata, type UploadMetadata } from './upload-metadata';
