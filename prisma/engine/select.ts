// Chooses the schema engine the Prisma CLI runs (see README.md beside this file).
//
// Called from prisma.config.ts, which the CLI loads before it looks for the engine binary. The
// official native binary is used whenever it is there (an online machine downloaded it during
// `npm install`); otherwise the CLI is pointed at the offline stand-in, schema-engine.mjs.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENV_VAR = 'PRISMA_SCHEMA_ENGINE_BINARY';
// The older name, still honoured by the CLI.
const LEGACY_ENV_VAR = 'PRISMA_MIGRATION_ENGINE_BINARY';

/** Absolute path of the offline stand-in executable. */
export function offlineSchemaEnginePath(): string {
  return fileURLToPath(new URL('./schema-engine.mjs', import.meta.url));
}

/** Whether a binary target name (as in `schema-engine-<target>`) can run on this machine. */
function targetFitsThisMachine(target: string): boolean {
  const arm64 = process.arch === 'arm64';
  switch (process.platform) {
    case 'win32':
      return target === 'windows.exe';
    case 'darwin':
      return target === (arm64 ? 'darwin-arm64' : 'darwin');
    case 'linux':
      if (!/^(debian|rhel|linux)-/.test(target)) return false;
      if (arm64) return target.includes('arm64');
      if (process.arch === 'x64') return !/arm/.test(target);
      return false;
    default:
      return target.startsWith(process.platform);
  }
}

/**
 * Where the CLI looks for `schema-engine-<target>`: @prisma/engines' folder first (its
 * postinstall, or the CLI itself, downloads the binary there), then the prisma package, the
 * node_modules folder above it and prisma/runtime.
 */
export function nativeSchemaEngineDirs(): string[] {
  const dirs: string[] = [];
  try {
    const prismaPackageJson = createRequire(import.meta.url).resolve('prisma/package.json');
    try {
      dirs.push(path.dirname(createRequire(prismaPackageJson).resolve('@prisma/engines/package.json')));
    } catch {
      // @prisma/engines missing: the CLI would fail anyway
    }
    const prismaDir = path.dirname(prismaPackageJson);
    dirs.push(prismaDir, path.dirname(prismaDir), path.join(prismaDir, 'runtime'));
  } catch {
    // prisma not installed
  }
  return dirs;
}

/** The native schema engine binary for this machine in one of `dirs`, if there is one. */
export function findNativeSchemaEngine(dirs: string[] = nativeSchemaEngineDirs()): string | undefined {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const match = /^schema-engine-(.+)$/.exec(name);
      if (!match || /\.(sha256|gz|sig|tmp)$/.test(name) || !targetFitsThisMachine(match[1])) continue;
      const file = path.join(dir, name);
      try {
        const stat = fs.statSync(file);
        if (stat.isFile() && stat.size > 0) return file;
      } catch {
        // vanished meanwhile
      }
    }
  }
  return undefined;
}

/**
 * Points the Prisma CLI at the offline stand-in unless an engine was chosen explicitly or the
 * official native binary is installed.
 */
export function useOfflineSchemaEngineWhenNeeded(): void {
  if (process.env[ENV_VAR] || process.env[LEGACY_ENV_VAR]) return;
  if (findNativeSchemaEngine()) return;
  process.env[ENV_VAR] = offlineSchemaEnginePath();
}
