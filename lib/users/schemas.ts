// Input shapes for users, shared by the CLI, the admin pages, the API and the tests.
import { z } from 'zod';

export const USERNAME_MAX_LENGTH = 64;

export const usernameSchema = z
  .string()
  .min(1, 'The username must not be empty.')
  .max(USERNAME_MAX_LENGTH, `The username must be at most ${USERNAME_MAX_LENGTH} characters.`)
  .regex(/^[A-Za-z0-9._@-]+$/, 'The username may contain only letters, digits and . _ @ -');

// The strength rules live in lib/auth/password-policy.ts; this only bounds the input.
export const passwordSchema = z
  .string()
  .min(1, 'The password must not be empty.')
  .max(1024, 'The password is too long.');

export const addUserSchema = z.object({ username: usernameSchema, password: passwordSchema });
export const changePasswordSchema = z.object({ username: usernameSchema, password: passwordSchema });

export type AddUserInput = z.infer<typeof addUserSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

/** What callers may see of a user: never the password hash. */
export type UserSummary = { id: string; username: string; createdAt: Date; apiTokens: number };
