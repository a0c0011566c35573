// `keys list|rotate|retire-all`: the signing key ring. Never prints key material.
import type { Command } from 'commander';
import { CLI_ACTOR } from '../../audit';
import { listKeys, retireAllKeys, rotateKeys } from '../../keys';
import { openDatabase } from '../database';
import { formatTable, formatTime, note, print } from '../io';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('the key ring that signs share links');

  keys
    .command('list')
    .description('the active key and the keys still verifying')
    .action(async () => {
      await openDatabase();
      await printRing();
    });

  keys
    .command('rotate')
    .description('make a new signing key now (links made before keep working until they expire)')
    .action(async () => {
      await openDatabase();
      const result = await rotateKeys({ actor: CLI_ACTOR });
      print(`New signing key ${result?.kid ?? '(made by another process just now)'}.`);
      await printRing();
    });

  keys
    .command('retire-all')
    .description('emergency stop: a new key, and every link signed before stops working at once')
    .option('--yes', 'confirm (every existing share link stops working)')
    .action(async function (this: Command, options: { yes?: boolean }) {
      if (!options.yes)
        this.error('error: this breaks every existing share link; add --yes to confirm.', { exitCode: 2 });
      await openDatabase();
      const result = await retireAllKeys({ actor: CLI_ACTOR });
      print(`Retired every older key; new signing key ${result?.kid ?? ''}. Every link made before now is refused.`);
    });
}

async function printRing() {
  const ring = await listKeys();
  print(
    formatTable(
      ['KID', 'ALG', 'CREATED', 'STATE', 'VERIFIES UNTIL'],
      ring.keys.map((k) => [
        k.kid,
        k.algorithm,
        formatTime(k.createdAt),
        k.active ? 'signing' : k.verifying ? 'verifying' : 'retired',
        k.active ? '-' : formatTime(k.verifyUntil),
      ]),
    ),
  );
  note(`Next automatic rotation: ${formatTime(ring.nextRotationAt)}.`);
}
