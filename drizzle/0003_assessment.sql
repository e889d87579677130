CREATE TABLE "cve_records" (
	"cve_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"record" jsonb NOT NULL,
	"affected" text[] DEFAULT '{}' NOT NULL,
	"date_updated" text,
	"imported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "epss_scores" (
	"cve_id" text PRIMARY KEY NOT NULL,
	"score" double precision NOT NULL,
	"percentile" double precision NOT NULL,
	"model_version" text,
	"score_date" text
);
--> statement-breakpoint
CREATE TABLE "feed_imports" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"records" integer NOT NULL,
	"version" text,
	"imported_by" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"device_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"status" text NOT NULL,
	"title" text,
	"reason" text NOT NULL,
	"matched_range" text,
	"source" text,
	"cvss" jsonb,
	"kev" jsonb,
	"epss" double precision,
	"severity" text NOT NULL,
	"firmware_version" text,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"fixed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "kev_entries" (
	"cve_id" text PRIMARY KEY NOT NULL,
	"vendor_project" text NOT NULL,
	"product" text NOT NULL,
	"vulnerability_name" text NOT NULL,
	"date_added" text NOT NULL,
	"due_date" text NOT NULL,
	"known_ransomware_campaign_use" text NOT NULL,
	"required_action" text NOT NULL,
	"short_description" text NOT NULL,
	"notes" text NOT NULL,
	"cwes" text[] DEFAULT '{}' NOT NULL,
	"catalog_version" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_scores" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"device_id" text,
	"score" double precision NOT NULL,
	"factors" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feed_imports_kind_at_idx" ON "feed_imports" USING btree ("kind","at");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_device_kind_ref_uq" ON "findings" USING btree ("org_id","device_id","kind","ref");--> statement-breakpoint
CREATE INDEX "findings_org_open_idx" ON "findings" USING btree ("org_id","fixed_at");--> statement-breakpoint
CREATE INDEX "findings_org_ref_idx" ON "findings" USING btree ("org_id","ref");--> statement-breakpoint
CREATE INDEX "risk_scores_org_device_at_idx" ON "risk_scores" USING btree ("org_id","device_id","at");