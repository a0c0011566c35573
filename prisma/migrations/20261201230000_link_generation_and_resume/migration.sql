-- A file's incarnation, signed into its share links. Existing rows get the fixed legacy value
-- (tokens made before the claim existed are accepted only while the row keeps it); every new
-- upload sets a random one.
ALTER TABLE "File" ADD COLUMN "generation" TEXT NOT NULL DEFAULT 'legacy';

-- Resuming the last counted use of a tracked link: hash of its per-use ETag, highest byte
-- offset sent under it, when its last byte went out.
ALTER TABLE "Link" ADD COLUMN "useTag" TEXT;
ALTER TABLE "Link" ADD COLUMN "useSentTo" BIGINT;
ALTER TABLE "Link" ADD COLUMN "useLastSentAt" DATETIME;
