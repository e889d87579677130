DROP INDEX "ledger_entries_identity_key";--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_identity_key" ON "ledger_entries" USING btree ("org_id","ref","type","payload_hash");