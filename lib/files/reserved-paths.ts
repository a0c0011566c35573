// Kept free of Node imports so middleware and the front server can use the list too.

/**
 * Top-level paths the app itself serves. An id equal to one of them would be unreachable at
 * `/<id>`, so such ids are skipped. The front server uses the same list.
 */
export const RESERVED_PATHS = [
  'admin',
  'api',
  'signin',
  'setup',
  'by-name',
  's',
  '_next',
  'favicon.ico',
  'robots.txt',
  '.well-known',
  'public',
  'static',
  'health',
] as const;

// Compared case-insensitively: a proxy or a case-insensitive file system must not be able to
// turn `/Admin` into something that shadows a route.
const RESERVED = new Set<string>(RESERVED_PATHS.map((p) => p.toLowerCase()));

export function isReservedPath(segment: string): boolean {
  return RESERVED.has(segment.toLowerCase());
}
