// What a new password must be. Length is what matters most (NIST SP 800-63B): no rules
// about character classes, but refuse the few passwords every attacker tries first.
import 'server-only';

export const MIN_PASSWORD_LENGTH = 12;
// bcrypt reads only the first 72 bytes; a longer password would be silently cut.
export const MAX_PASSWORD_BYTES = 72;

// The most common passwords of 12 or more characters in public breach lists (shorter ones
// are already refused by the length rule). Compared case-insensitively.
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456789123',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'qwertyuiopas',
  'qwertyuiop123',
  'qwertyuiopasdfghjkl',
  'qwerty123456',
  'qwerty12345678',
  'asdfghjkl123',
  'zxcvbnm12345',
  'password1234',
  'password123!',
  'password12345',
  'password123456',
  'passwordpassword',
  'p@ssw0rd1234',
  'p@ssword1234',
  'iloveyou1234',
  'abc123456789',
  'abcdefghijkl',
  'abcd12345678',
  'aa1234567890',
  'administrator',
  'administrator1',
  'admin1234567',
  'admin123456789',
  'adminadmin123',
  'letmein12345',
  'welcome12345',
  'welcome123456',
  'changeme1234',
  'changeme123!',
  'trustno1trustno1',
  'football1234',
  'baseball1234',
  'sunshine1234',
  'princess1234',
  'superman1234',
  'starwars1234',
  'monkey123456',
  'dragon123456',
  'master123456',
  'q1w2e3r4t5y6',
  'a1b2c3d4e5f6',
  '987654321098',
  '111111111111',
  '000000000000',
]);

/** Null when the password is acceptable, else one sentence saying what to change. */
export function checkPasswordStrength(password: string, username: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `The password is too long: use at most ${MAX_PASSWORD_BYTES} bytes (about ${MAX_PASSWORD_BYTES} plain letters).`;
  }
  if (/^\s|\s$/.test(password)) {
    return 'The password must not start or end with a space, which is easy to lose when typing or pasting.';
  }
  const lower = password.toLowerCase();
  if (username && lower === username.toLowerCase()) {
    return 'The password must not be the username.';
  }
  if (new Set(lower).size === 1) {
    return 'The password must not be one character repeated.';
  }
  if (COMMON_PASSWORDS.has(lower)) {
    return 'This password is one of the most common passwords; choose another.';
  }
  return null;
}
