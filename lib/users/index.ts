// Admin accounts: the functions the CLI, the admin pages, sign-in and the seed share.
import 'server-only';

export { addUser } from './add-user';
export { changePassword } from './change-password';
export { deleteUser } from './delete-user';
export { signOutEverywhere } from './sign-out-everywhere';
export { findUserForSignIn, getUserOrThrow, type SignInCandidate } from './find-user';
export { listUsers } from './list-users';
export { countUsers } from './count-users';
export * from './schemas';
