ALTER TABLE "alerts" ADD COLUMN "ledger_windows" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "ledger_logged_at" timestamp with time zone;--> statement-breakpoint
-- Every version of an existing alert was logged when it was stored (before this migration each one was).
UPDATE "alerts" SET "ledger_windows" = "windows", "ledger_logged_at" = "updated_at";--> statement-breakpoint
CREATE INDEX "alerts_evidence_pending_idx" ON "alerts" USING btree ("ledger_logged_at") WHERE windows > ledger_windows;
