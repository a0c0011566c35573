'use client';

// Uploads on the files page: drop files anywhere on the page or pick them, each goes up in
// chunks through the tus protocol (/api/uploads) with its own progress row. A dropped
// connection is retried; after a reload, picking the same file again continues where it stopped
// (tus-js-client remembers the upload URL per file in localStorage).
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PreviousUpload, Upload } from 'tus-js-client';
import { formatSize } from '@/lib/env/units';
import { LocalTime } from '../local-time';
import { addSample, describeFailure, shouldRetryUpload, speedOf, type SpeedSample } from './upload-format';
import { UploadRow, type UploadView } from './upload-row';

const ENDPOINT = '/api/uploads';
const FILE_ID_HEADER = 'X-File-Id';
// tus-js-client's own default: four tries within about ten seconds, then the row offers Retry.
const RETRY_DELAYS = [0, 1000, 3000, 5000];
const RENDER_EVERY_MS = 200;

type Tus = typeof import('tus-js-client');
let tusModule: Promise<Tus> | null = null;
// Loaded on first use: the page renders (and server-renders) without it.
const loadTus = () => (tusModule ??= import('tus-js-client'));

type Props = {
  chunkSize: number;
  maxUploadSize: number;
  uploadExpiryMs: number;
  defaultVisibility: 'public' | 'private';
  children?: React.ReactNode;
};

type Controller = {
  file: File;
  upload: Upload | null;
  /** Sending bytes or about to (false once it finished, failed or was cancelled). */
  active: boolean;
  samples: SpeedSample[];
  renderedAt: number;
};

let nextKey = 0;

export function UploadManager({ chunkSize, maxUploadSize, uploadExpiryMs, defaultVisibility, children }: Props) {
  const router = useRouter();
  const [uploads, setUploads] = useState<UploadView[]>([]);
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [unfinished, setUnfinished] = useState<PreviousUpload[]>([]);
  const controllers = useRef(new Map<string, Controller>());
  const inputRef = useRef<HTMLInputElement>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const update = useCallback((key: string, patch: Partial<UploadView>) => {
    setUploads((current) => current.map((u) => (u.key === key ? { ...u, ...patch } : u)));
  }, []);

  // Several uploads finishing together refresh the list once.
  const refreshList = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => router.refresh(), 250);
  }, [router]);

  const start = useCallback(
    async (key: string, { replace }: { replace: boolean }) => {
      const controller = controllers.current.get(key);
      if (!controller) return;
      const { file } = controller;
      const tus = await loadTus();
      const upload: Upload = new tus.Upload(file, {
        endpoint: ENDPOINT,
        chunkSize,
        retryDelays: RETRY_DELAYS,
        metadata: {
          filename: file.name,
          filetype: file.type || 'application/octet-stream',
          ...(replace ? { replace: '1' } : {}),
        },
        // A finished file needs no resuming; a later upload of the same file starts afresh.
        removeFingerprintOnSuccess: true,
        onShouldRetry: (error, attempt) => {
          const again = shouldRetryUpload(error, navigator.onLine !== false);
          if (again) {
            controller.samples = [];
            update(key, { reconnecting: { attempt: attempt + 1, of: RETRY_DELAYS.length }, speed: null });
          }
          return again;
        },
        onProgress: (bytesSent, bytesTotal) => {
          const now = performance.now();
          controller.samples = addSample(controller.samples, { at: now, bytes: bytesSent });
          const complete = bytesSent === bytesTotal;
          if (!complete && now - controller.renderedAt < RENDER_EVERY_MS) return;
          controller.renderedAt = now;
          update(key, {
            reconnecting: null,
            status: complete ? 'finishing' : 'uploading',
            bytesSent,
            bytesTotal,
            speed: speedOf(controller.samples),
          });
        },
        onSuccess: ({ lastResponse }) => {
          controller.active = false;
          update(key, {
            status: 'done',
            bytesSent: file.size,
            bytesTotal: file.size,
            fileId: lastResponse.getHeader(FILE_ID_HEADER) ?? null,
          });
          refreshList();
        },
        onError: (error) => {
          controller.active = false;
          const problem = describeFailure(error, maxUploadSize);
          update(key, { status: 'failed', problem, speed: null, reconnecting: null });
          // An upload the server refused for good cannot be resumed; forget it.
          if (problem.kind !== 'network') void forget(tus, upload);
        },
      });
      controller.upload = upload;
      controller.samples = [];
      controller.active = true;

      const previous = (await upload.findPreviousUploads()).filter((p) => (p.metadata?.replace === '1') === replace);
      const resumed = previous.length > 0;
      if (resumed) {
        upload.resumeFromPreviousUpload(previous[0]);
        setUnfinished((list) => list.filter((u) => !previous.some((p) => p.urlStorageKey === u.urlStorageKey)));
      }
      update(key, { status: 'starting', resumed, problem: null, bytesSent: 0, bytesTotal: file.size, speed: null });
      // Cancelled while tus was loading: do not start.
      if (controllers.current.get(key) !== controller) return;
      upload.start();
    },
    [chunkSize, maxUploadSize, refreshList, update],
  );

  const addFiles = useCallback(
    (dropped: File[]) => {
      // The same file twice at once would fight over one resumable upload.
      const running = [...controllers.current.values()].filter((c) => c.active).map((c) => c.file);
      const files = dropped.filter((file) => !running.some((other) => sameFile(file, other)));
      if (files.length < dropped.length) setNotice('A file that is already uploading was left out.');
      const added: UploadView[] = files.map((file) => {
        const key = `upload-${nextKey++}`;
        controllers.current.set(key, {
          file,
          upload: null,
          active: file.size <= maxUploadSize,
          samples: [],
          renderedAt: 0,
        });
        const tooLarge = file.size > maxUploadSize;
        return {
          key,
          name: file.name,
          status: tooLarge ? 'failed' : 'starting',
          bytesSent: 0,
          bytesTotal: file.size,
          speed: null,
          resumed: false,
          fileId: null,
          reconnecting: null,
          problem: tooLarge
            ? {
                kind: 'too_large',
                message: `Too large: ${formatSize(file.size)}, the upload limit is ${formatSize(maxUploadSize)}.`,
              }
            : null,
        } satisfies UploadView;
      });
      setUploads((current) => [...current, ...added]);
      for (const view of added) if (view.status !== 'failed') void start(view.key, { replace: false });
    },
    [maxUploadSize, start],
  );

  const cancel = useCallback((key: string) => {
    const controller = controllers.current.get(key);
    if (controller) controller.active = false;
    controllers.current.delete(key);
    setUploads((current) => current.filter((u) => u.key !== key));
    // Stops the transfer and deletes the partial upload on the server (tus termination).
    void controller?.upload?.abort(true).catch(() => {
      // The server was unreachable: the partial upload expires and is removed there by itself.
    });
  }, []);

  const retry = useCallback(
    (key: string) => {
      const controller = controllers.current.get(key);
      if (!controller?.upload) return;
      controller.samples = [];
      controller.active = true;
      update(key, { status: 'starting', problem: null, resumed: true, speed: null });
      // The same tus upload: it asks the server for its offset and continues from there.
      controller.upload.start();
    },
    [update],
  );

  const dismiss = useCallback((key: string) => {
    controllers.current.delete(key);
    setUploads((current) => current.filter((u) => u.key !== key));
  }, []);

  const clearFinished = () => {
    setUploads((current) => {
      for (const u of current) if (u.status === 'done') controllers.current.delete(u.key);
      return current.filter((u) => u.status !== 'done');
    });
  };

  // Leaving the page in the app (another admin page) stops the transfers but keeps them on the
  // server: they show up as unfinished uploads on the next visit.
  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) if (controller.active) void controller.upload?.abort(false);
    };
  }, []);

  // Drag and drop anywhere on the page.
  const addFilesRef = useRef(addFiles);
  addFilesRef.current = addFiles;
  useEffect(() => {
    let depth = 0;
    const carriesFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes('Files');
    const onDragEnter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const onDragOver = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDragLeave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const { files, folders } = filesOf(event.dataTransfer);
      setNotice(folders ? 'Folders cannot be uploaded. Open the folder and drop the files inside it.' : null);
      if (files.length) addFilesRef.current(files);
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  // Uploads a previous visit left unfinished: they continue when the same file is picked again.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const tus = await loadTus();
      if (!tus.canStoreURLs) return;
      const storage = tus.defaultOptions.urlStorage;
      const fresh: PreviousUpload[] = [];
      for (const previous of await storage.findAllUploads()) {
        const started = Date.parse(previous.creationTime);
        // The server removes a partial upload UPLOAD_EXPIRY after it started; so do we.
        if (!Number.isFinite(started) || started + uploadExpiryMs < Date.now())
          await storage.removeUpload(previous.urlStorageKey);
        else fresh.push(previous);
      }
      if (!cancelled) setUnfinished(fresh);
    })();
    return () => {
      cancelled = true;
    };
  }, [uploadExpiryMs]);

  // Leaving the page stops running uploads; the browser asks first.
  const running = uploads.some((u) => u.status === 'starting' || u.status === 'uploading' || u.status === 'finishing');
  useEffect(() => {
    if (!running) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [running]);

  async function discard(previous: PreviousUpload) {
    setUnfinished((list) => list.filter((u) => u.urlStorageKey !== previous.urlStorageKey));
    const tus = await loadTus();
    if (previous.uploadUrl) await tus.Upload.terminate(previous.uploadUrl).catch(() => {});
    await tus.defaultOptions.urlStorage.removeUpload(previous.urlStorageKey);
  }

  function onPick(event: React.ChangeEvent<HTMLInputElement>) {
    const files = Array.from(event.currentTarget.files ?? []);
    // Cleared so that picking the same file again (to resume it) fires a change.
    event.currentTarget.value = '';
    if (files.length) addFiles(files);
  }

  const finished = uploads.filter((u) => u.status === 'done').length;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>{children}</div>
        <div className="flex flex-col items-end gap-1">
          <button
            type="button"
            onClick={() => inputRef.current?.click()}
            className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700"
          >
            Choose files
          </button>
          <input
            ref={inputRef}
            type="file"
            multiple
            onChange={onPick}
            className="sr-only"
            aria-label="Choose files to upload"
            tabIndex={-1}
          />
          <span className="text-xs text-slate-500" data-testid="upload-limit">
            or drop them anywhere · up to {formatSize(maxUploadSize)} each
          </span>
        </div>
      </div>

      {notice && (
        <p role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
          {notice}
        </p>
      )}

      {unfinished.length > 0 && (
        <div className="rounded-xl border border-amber-200 bg-amber-50 px-4 py-3" data-testid="unfinished-uploads">
          <p className="text-sm font-medium text-amber-900">Unfinished uploads</p>
          <p className="text-sm text-amber-900/80">Choose or drop the same file again to continue where it stopped.</p>
          <ul className="mt-2 divide-y divide-amber-200/70">
            {unfinished.map((previous) => (
              <li key={previous.urlStorageKey} className="flex items-center gap-3 py-1.5 text-sm">
                <span className="min-w-0 flex-1 truncate font-medium text-slate-900">
                  {previous.metadata?.filename ?? 'unnamed file'}
                </span>
                <span className="text-slate-600">{previous.size !== null ? formatSize(previous.size) : ''}</span>
                <span className="text-slate-500">
                  started <LocalTime iso={new Date(previous.creationTime).toISOString()} />
                </span>
                <button
                  type="button"
                  onClick={() => void discard(previous)}
                  className="rounded-md border border-amber-300 bg-white px-2.5 py-1 text-xs text-amber-900 hover:bg-amber-100"
                >
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}

      {uploads.length > 0 && (
        <section aria-label="Uploads" className="overflow-hidden rounded-xl border border-slate-200 bg-white">
          <div className="flex items-center justify-between border-b border-slate-100 bg-slate-50 px-4 py-2 text-xs font-medium tracking-wide text-slate-500 uppercase">
            <span>Uploads</span>
            {finished > 0 && (
              <button
                type="button"
                onClick={clearFinished}
                className="tracking-normal text-indigo-700 normal-case hover:underline"
              >
                Clear finished
              </button>
            )}
          </div>
          <ul className="divide-y divide-slate-100">
            {uploads.map((upload) => (
              <UploadRow
                key={upload.key}
                upload={upload}
                onCancel={() => cancel(upload.key)}
                onRetry={() => retry(upload.key)}
                onReplace={() => void start(upload.key, { replace: true })}
                onDismiss={() => dismiss(upload.key)}
              />
            ))}
          </ul>
        </section>
      )}

      {dragging && (
        <div
          data-testid="drop-overlay"
          className="pointer-events-none fixed inset-0 z-50 flex items-center justify-center bg-indigo-950/30 p-6 backdrop-blur-[2px]"
        >
          <div className="flex h-full w-full items-center justify-center rounded-3xl border-4 border-dashed border-white/80">
            <div className="rounded-2xl bg-white px-10 py-8 text-center shadow-xl">
              <p className="text-lg font-semibold text-slate-900">Drop files to upload</p>
              <p className="mt-1 text-sm text-slate-600">
                Up to {formatSize(maxUploadSize)} per file.{' '}
                {defaultVisibility === 'private'
                  ? 'Files stay private until you make them public.'
                  : 'New files are public.'}
              </p>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

/** The files of a drop, leaving out folders (which browsers hand over as empty "files"). */
function filesOf(transfer: DataTransfer | null): { files: File[]; folders: number } {
  if (!transfer) return { files: [], folders: 0 };
  const files: File[] = [];
  let folders = 0;
  const items = Array.from(transfer.items ?? []);
  if (items.length) {
    for (const item of items) {
      if (item.kind !== 'file') continue;
      if (item.webkitGetAsEntry?.()?.isDirectory) {
        folders += 1;
        continue;
      }
      const file = item.getAsFile();
      if (file) files.push(file);
    }
    return { files, folders };
  }
  return { files: Array.from(transfer.files), folders: 0 };
}

function sameFile(a: File, b: File): boolean {
  return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified && a.type === b.type;
}

/** Removes a dead upload from tus-js-client's memory, so it is not offered for resuming. */
async function forget(tus: Tus, upload: Upload): Promise<void> {
  if (!upload.url) return;
  const storage = tus.defaultOptions.urlStorage;
  for (const previous of await storage.findAllUploads()) {
    if (previous.uploadUrl === upload.url) await storage.removeUpload(previous.urlStorageKey);
  }
}
