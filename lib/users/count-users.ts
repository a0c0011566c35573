import 'server-only';
import { db } from '../db';

export async function countUsers(): Promise<number> {
  return db().user.count();
}
