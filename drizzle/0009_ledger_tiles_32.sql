-- Tiles narrow from 256 to 32 nodes (1 KiB): a tile then stays inline in its row (no TOAST lookup
-- per node read) and an append rewrites at most 1 KiB per level. Every row here was written 256 wide
-- (migration 0006 and the code of that time), so tile i becomes tiles 8i ... 8i + 7.
CREATE TEMPORARY TABLE "ledger_tiles_256" AS SELECT * FROM "ledger_tiles";--> statement-breakpoint
DELETE FROM "ledger_tiles";--> statement-breakpoint
INSERT INTO "ledger_tiles" ("org_id", "level", "idx", "hashes")
SELECT t."org_id", t."level", t."idx" * 8 + k, substring(t."hashes" from k * 1024 + 1 for 1024)
FROM "ledger_tiles_256" t, generate_series(0, 7) AS k
WHERE length(t."hashes") > k * 1024;--> statement-breakpoint
DROP TABLE "ledger_tiles_256";
