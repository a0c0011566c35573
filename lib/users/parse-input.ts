import 'server-only';
import type { z } from 'zod';
import { AppError } from '../errors';

/** Parses with `schema`, turning the first problem into AppError('validation_failed'). */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', parsed.error.issues[0].message);
  return parsed.data;
}
