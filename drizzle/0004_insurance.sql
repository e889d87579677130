CREATE TABLE "policies" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"insured_org_id" text NOT NULL,
	"number" text NOT NULL,
	"quote_id" text NOT NULL,
	"status" text NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"jurisdiction" text NOT NULL,
	"premium_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"policy" jsonb NOT NULL,
	"declarations_html" text NOT NULL,
	"declarations_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quotes" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"insured_org_id" text NOT NULL,
	"status" text NOT NULL,
	"product_id" text NOT NULL,
	"filing_id" text NOT NULL,
	"filing_version" text NOT NULL,
	"premium_minor" bigint,
	"technical_premium_minor" bigint,
	"currency" text NOT NULL,
	"referral_state" text NOT NULL,
	"referral_decision" text,
	"referral_reason" text,
	"referral_decided_by" text,
	"submission" jsonb NOT NULL,
	"basis" jsonb NOT NULL,
	"worksheet" jsonb NOT NULL,
	"simulation" jsonb,
	"quote" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_insured_org_id_organisations_id_fk" FOREIGN KEY ("insured_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_quote_id_quotes_id_fk" FOREIGN KEY ("quote_id") REFERENCES "public"."quotes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_insured_org_id_organisations_id_fk" FOREIGN KEY ("insured_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "policies_number_uq" ON "policies" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "policies_quote_uq" ON "policies" USING btree ("quote_id");--> statement-breakpoint
CREATE INDEX "policies_insured_idx" ON "policies" USING btree ("insured_org_id");--> statement-breakpoint
CREATE INDEX "quotes_org_created_idx" ON "quotes" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "quotes_insured_idx" ON "quotes" USING btree ("insured_org_id");