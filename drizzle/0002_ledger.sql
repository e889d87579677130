CREATE TABLE "ledger_checkpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"size" bigint NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"note" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"idx" bigint NOT NULL,
	"type" text NOT NULL,
	"ref" text NOT NULL,
	"payload_hash" text NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"entry" text NOT NULL,
	"payload" jsonb,
	"leaf_hash" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_logs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"origin" text NOT NULL,
	"size" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_logs_org_id_unique" UNIQUE("org_id")
);
--> statement-breakpoint
CREATE TABLE "ledger_nodes" (
	"org_id" text NOT NULL,
	"level" integer NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "ledger_nodes_org_id_level_idx_pk" PRIMARY KEY("org_id","level","idx")
);
--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" ADD CONSTRAINT "ledger_checkpoints_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_logs" ADD CONSTRAINT "ledger_logs_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_nodes" ADD CONSTRAINT "ledger_nodes_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_checkpoints_org_size_uq" ON "ledger_checkpoints" USING btree ("org_id","size");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_org_idx_uq" ON "ledger_entries" USING btree ("org_id","idx");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_identity_uq" ON "ledger_entries" USING btree ("org_id","type","ref","payload_hash");--> statement-breakpoint
CREATE INDEX "ledger_entries_org_type_time_idx" ON "ledger_entries" USING btree ("org_id","type","time");