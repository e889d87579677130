ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_pkey";--> statement-breakpoint
DROP INDEX "ledger_entries_org_idx_uq";--> statement-breakpoint
DROP INDEX "ledger_entries_org_type_time_idx";--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_pkey" PRIMARY KEY("org_id","idx");
