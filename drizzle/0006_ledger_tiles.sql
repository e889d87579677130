CREATE TABLE "ledger_tiles" (
	"org_id" text NOT NULL,
	"level" integer NOT NULL,
	"idx" bigint NOT NULL,
	"hashes" "bytea" NOT NULL,
	CONSTRAINT "ledger_tiles_org_id_level_idx_pk" PRIMARY KEY("org_id","level","idx")
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_org_id_organisations_id_fk";
--> statement-breakpoint
DROP INDEX "ledger_entries_identity_uq";--> statement-breakpoint
ALTER TABLE "ledger_logs" ADD COLUMN "frontier" "bytea";--> statement-breakpoint
ALTER TABLE "ledger_tiles" ADD CONSTRAINT "ledger_tiles_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_identity_key" ON "ledger_entries" USING btree ("org_id","payload_hash","ref","type");--> statement-breakpoint
-- Tiles are random bytes (compression never pays) read by 32-byte slices: EXTERNAL keeps them
-- uncompressed out of line, so substring() fetches only the chunk it needs.
ALTER TABLE "ledger_tiles" ALTER COLUMN "hashes" SET STORAGE EXTERNAL;--> statement-breakpoint
-- Existing nodes move into tiles: each level is dense from index 0 (the tree writes left to right).
INSERT INTO "ledger_tiles" ("org_id", "level", "idx", "hashes")
SELECT "org_id", "level", "idx" / 256, string_agg("hash", ''::bytea ORDER BY "idx")
FROM "ledger_nodes" GROUP BY "org_id", "level", "idx" / 256;
