import type { File } from '../generated/prisma/client';
import type { VISIBILITIES } from './schemas';

/** A row of the File table, as Prisma returns it (size is a BigInt, uploadedAt a Date). */
export type FileRecord = File;

export type Visibility = (typeof VISIBILITIES)[number];
