import { describe, expect, it } from 'vitest';
import { checkPasswordStrength } from './password-policy';

describe('checkPasswordStrength', () => {
  it('accepts a long password that is not common', () => {
    expect(checkPasswordStrength('correct horse battery staple', 'alice')).toBeNull();
    expect(checkPasswordStrength('Tr0ub4dor&3xy', 'alice')).toBeNull();
    expect(checkPasswordStrength('ünïcødé-pässwörd', 'alice')).toBeNull();
  });

  it('refuses fewer than 12 characters with a sentence saying so', () => {
    expect(checkPasswordStrength('short-pw-11', 'alice')).toBe(
      'The password is too short: use at least 12 characters.',
    );
    expect(checkPasswordStrength('', 'alice')).toMatch(/too short/);
    // Characters, not bytes: 11 umlauts are still too short.
    expect(checkPasswordStrength('ü'.repeat(11), 'alice')).toMatch(/too short/);
  });

  it('refuses the username, in any case', () => {
    expect(checkPasswordStrength('administrator-x', 'administrator-x')).toBe('The password must not be the username.');
    expect(checkPasswordStrength('Alice.Example.Org', 'alice.example.org')).toMatch(/username/);
  });

  it('refuses one character repeated', () => {
    expect(checkPasswordStrength('aaaaaaaaaaaaaaaa', 'alice')).toBe('The password must not be one character repeated.');
    expect(checkPasswordStrength('AaAaAaAaAaAaAa', 'alice')).toMatch(/repeated/);
  });

  it('refuses the most common passwords, in any case', () => {
    for (const common of ['password123!', 'qwertyuiopas', 'Password1234', 'ADMINISTRATOR', '123456789012']) {
      expect(checkPasswordStrength(common, 'alice'), common).toMatch(/most common passwords/);
    }
  });

  it('refuses what bcrypt would silently cut or what is easily lost around it', () => {
    expect(checkPasswordStrength('x'.repeat(40) + 'y'.repeat(33), 'alice')).toMatch(/too long/);
    expect(checkPasswordStrength(' leading space here', 'alice')).toMatch(/space/);
    expect(checkPasswordStrength('trailing space here ', 'alice')).toMatch(/space/);
  });

  it('gives one line', () => {
    for (const pw of ['short', 'aaaaaaaaaaaaaaaa', 'password123!', 'alice-example', 'z'.repeat(80)]) {
      const reason = checkPasswordStrength(pw, 'alice-example');
      expect(reason).not.toBeNull();
      expect(reason).not.toContain('\n');
    }
  });
});
