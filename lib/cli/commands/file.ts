// `file upload|delete|list`: files from the console, through the same lib/files functions as
// the admin UI and the API (streamed from disk, same limits, same audit entries).
import fs from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { CLI_ACTOR } from '../../audit';
import { formatSize } from '../../env/units';
import { AppError, toAppError } from '../../errors';
import { deleteFile, fileUrl, listFiles, storeFile } from '../../files';
import { openDatabase } from '../database';
import { formatTable, formatTime, note, print } from '../io';

export function registerFileCommands(program: Command): void {
  const file = program.command('file').description('upload, list and delete files');

  file
    .command('upload')
    .description('upload files from disk (prints each id and URL)')
    .argument('<path...>', 'files to upload')
    .option('--name <name>', 'store under this name (one file only; default: the file name)')
    .option('--public', 'anyone with the URL may download it (default: DEFAULT_VISIBILITY)')
    .option('--replace', 'replace a stored file of the same name')
    .action(async function (
      this: Command,
      paths: string[],
      options: { name?: string; public?: boolean; replace?: boolean },
    ) {
      if (options.name !== undefined && paths.length > 1)
        this.error('error: --name works with one file only.', { exitCode: 2 });
      await openDatabase();
      let failures = 0;
      for (const filePath of paths) {
        try {
          const stat = await fs.promises.stat(filePath).catch(() => {
            throw new AppError('not_found', `${filePath}: no such file.`);
          });
          if (!stat.isFile()) throw new AppError('bad_request', `${filePath}: not a regular file.`);
          const record = await storeFile({
            source: fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 }),
            name: options.name ?? path.basename(filePath),
            visibility: options.public ? 'public' : undefined,
            replace: options.replace ?? false,
            declaredSize: stat.size,
            actor: CLI_ACTOR,
          });
          print(
            `${record.id}  ${fileUrl(record.id)}  (${record.name}, ${formatSize(Number(record.size))}, ${record.visibility})`,
          );
        } catch (error) {
          failures += 1;
          if (paths.length === 1) throw error;
          note(`error: ${toAppError(error).message}`);
        }
      }
      if (failures) throw new AppError('bad_request', `${failures} of ${paths.length} files were not uploaded.`);
    });

  file
    .command('delete')
    .description('delete a file (ids starting with "-" need "--" before them)')
    .argument('<id>', 'the file id')
    .action(async (id: string) => {
      await openDatabase();
      const record = await deleteFile(id, CLI_ACTOR);
      print(`Deleted ${record.id} (${record.name}).`);
    });

  file
    .command('list')
    .description('list files, newest first')
    .option('-q, --search <text>', 'only names containing this text, or ids starting with it')
    .option('--limit <n>', 'how many (1-200)', parseLimit, 50)
    .action(async (options: { search?: string; limit: number }) => {
      await openDatabase();
      const { items, nextCursor } = await listFiles({ q: options.search, limit: options.limit });
      if (items.length === 0) {
        print(options.search ? 'No files match.' : 'No files yet. Upload one with: file upload <path>');
        return;
      }
      print(
        formatTable(
          ['ID', 'NAME', 'SIZE', 'VISIBILITY', 'UPLOADED', 'DOWNLOADS'],
          items.map((f) => [
            f.id,
            f.name,
            formatSize(Number(f.size)),
            f.visibility,
            formatTime(f.uploadedAt),
            String(f.downloads),
          ]),
        ),
      );
      if (nextCursor) note(`(showing the newest ${items.length}; use --limit or --search to see others)`);
    });
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new InvalidArgumentError('must be a whole number from 1 to 200.');
  return n;
}
