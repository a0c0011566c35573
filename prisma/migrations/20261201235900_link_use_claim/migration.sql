-- Each response of a share link's use claims its byte range when it starts (one conditional
-- UPDATE), so parallel resumes of one use cannot each send the rest of the file: the claim id
-- of the response that holds the use, the highest offset sent before its claim, and the bytes
-- the use's resumes were allowed to send again (bounded by the in-flight allowance).
ALTER TABLE "Link" ADD COLUMN "useClaim" TEXT;
ALTER TABLE "Link" ADD COLUMN "useSentBefore" BIGINT;
ALTER TABLE "Link" ADD COLUMN "useResent" BIGINT;
