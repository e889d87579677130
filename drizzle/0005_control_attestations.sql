CREATE TABLE "control_attestations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"control" text NOT NULL,
	"attested" boolean NOT NULL,
	"evidence" text NOT NULL,
	"attested_by" text NOT NULL,
	"attested_by_name" text,
	"attested_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"superseded_at" timestamp with time zone,
	"superseded_by" text
);
--> statement-breakpoint
ALTER TABLE "control_attestations" ADD CONSTRAINT "control_attestations_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "control_attestations_org_control_idx" ON "control_attestations" USING btree ("org_id","control","attested_at");