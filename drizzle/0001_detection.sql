CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"device_id" text,
	"subject" text NOT NULL,
	"behaviour" text NOT NULL,
	"technique_id" text NOT NULL,
	"technique_name" text NOT NULL,
	"tactic" text NOT NULL,
	"matrix" text NOT NULL,
	"severity" text NOT NULL,
	"score" double precision NOT NULL,
	"summary" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	"windows" integer DEFAULT 1 NOT NULL,
	"evidence" jsonb NOT NULL,
	"source" text NOT NULL,
	"sensor" text,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detector_snapshots" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"key" text NOT NULL,
	"state" "bytea" NOT NULL,
	"taken_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "traffic_minutes" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"subject" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"flows" integer DEFAULT 0 NOT NULL,
	"packets" integer DEFAULT 0 NOT NULL,
	"bytes" double precision DEFAULT 0 NOT NULL,
	"alerting" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detector_snapshots" ADD CONSTRAINT "detector_snapshots_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traffic_minutes" ADD CONSTRAINT "traffic_minutes_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_org_last_idx" ON "alerts" USING btree ("org_id","last_seen");--> statement-breakpoint
CREATE INDEX "alerts_org_device_idx" ON "alerts" USING btree ("org_id","device_id");--> statement-breakpoint
CREATE INDEX "alerts_org_open_idx" ON "alerts" USING btree ("org_id","subject","behaviour","status");--> statement-breakpoint
CREATE UNIQUE INDEX "detector_snapshots_org_key_uq" ON "detector_snapshots" USING btree ("org_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "traffic_org_subject_minute_uq" ON "traffic_minutes" USING btree ("org_id","subject","minute");