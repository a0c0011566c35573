// The audit actions and the name written in place of redacted values. Free of server imports,
// so the log viewer's client components (the action filter) can use them too.

export const AUDIT_ACTIONS = [
  'login',
  'login_failed',
  'logout',
  'logout_all',
  'upload',
  'download',
  'delete',
  'link_create',
  'link_revoke',
  'link_denied',
  'user_add',
  'user_delete',
  'user_passwd',
  'key_rotate',
  'token_create',
  'token_revoke',
  'anonymize',
  'setup',
  'visibility',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What anonymization writes into `user` and `ipAddress`: the Flask server wrote it into `user`. */
export const ANONYMIZED = 'anonymized';
