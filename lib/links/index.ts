// Share links, for server code (front server, route handlers, CLI). Client components import
// './schemas' directly: everything else here is server-only.
import 'server-only';

export { createLink, type CreateLinkInput, type CreatedLink } from './create-link';
export { verifyLinkSignature, verifyLinkToken, type VerifiedLink } from './verify-link-token';
export { consumeLinkUse, checkLinkUsable, type ConsumeLinkUseInput, type LinkUsage } from './consume-link-use';
export {
  claimLinkUseResume,
  finishLinkUse,
  hashUseTag,
  inFlightAllowance,
  isUseTag,
  newUseClaim,
  newUseTag,
  RESUME_IN_FLIGHT_ALLOWANCE,
  type FinishedUse,
  type ResumeInput,
} from './resume-link-download';
export { revokeLink, type RevokedLink } from './revoke-link';
export {
  listLinks,
  linkStatus,
  LINKS_LIMIT_MAX,
  type LinkListItem,
  type LinkStatus,
  type ListLinksInput,
  type ListLinksResult,
} from './list-links';
export {
  flushLinkDenials,
  recordLinkDenied,
  LINK_DENIED_PER_WINDOW,
  LINK_DENIED_WINDOW_MS,
  type LinkDeniedEntry,
} from './record-link-denied';
export {
  linkDenialOf,
  linkInvalid,
  linkExpired,
  linkUsed,
  linkRevoked,
  linkFileDeleted,
  formatUtc,
  LINK_DENIAL_REASONS,
  type LinkDenial,
  type LinkDenialReason,
} from './link-errors';
export { linkUrl } from './link-url';
export * from './schemas';
