/** The underwriting module's public surface: products, rate filings, rating, quotes, policies. */

export { FACTOR_SCALE, formatAmount, interpolate, mulDivRound } from './domain/arith';
export type { BaselineResult } from './domain/assessment-summary';
export { assessmentFromRiskScore } from './domain/assessment-summary';
export {
  filingInForce,
  iotCyberFiling202601,
  iotCyberProduct,
  productById,
  products,
  rateFilings,
} from './domain/catalogue';
export { escapeHtml, renderDeclarations } from './domain/declarations';
export { endorseFromRating } from './domain/endorsement';
export type { PenaltiesInsurable, RateFiling, RateTable } from './domain/filing';
export { parseRateFiling, rateFilingSchema } from './domain/filing';
export type { InsuredLossResult, SectionInsuredLoss, TechnicalPremium } from './domain/insured-loss';
export { adequacy, insuredLoss, technicalPremium } from './domain/insured-loss';
export type { LifecycleState, TransitionRecord } from './domain/lifecycle';
export { canTransition, TRANSITIONS, transition } from './domain/lifecycle';
export type { BindOptions, Cancellation, EndorseInput, Endorsement, Policy } from './domain/policy';
export {
  advancePolicy,
  bindQuote,
  cancelPolicy,
  endorse,
  isValidPolicyNumber,
  periodEnd,
  policyNumber,
} from './domain/policy';
export type { PremiumReduction, PremiumReductions } from './domain/premium-reductions';
export type { CoinsuranceRule, CoverageSection, Product } from './domain/product';
export { kevCoinsuranceShare, parseProduct, productSchema } from './domain/product';
export type { CreateQuoteOptions, DecisionInput, Insured, Quote } from './domain/quote';
export { createQuote, decideReferral, expireQuote } from './domain/quote';
export type { FactorSource, QuoteStatus, RateOptions, RatingResult, WorksheetLine } from './domain/rating';
export { rate } from './domain/rating';
export type { Referral, ReferralDecision } from './domain/rules';
export { minimumRetentionMinor, revenueBand } from './domain/rules';
export type { Control, Submission, SubmissionInput } from './domain/submission';
export { moneySchema, parseSubmission, submissionSchema } from './domain/submission';
export { describeTable, increasedLimitFactor } from './domain/tables';
export type { JurisdictionTerms, QuotedTerms, SectionTerms } from './domain/terms';
export { jurisdictionTerms, resolveTerms } from './domain/terms';
export type {
  BindListener,
  EndorsementRequest,
  PolicyDocument,
  PolicyDocumentListener,
  PolicyView,
  QuoteServiceOptions,
  QuoteView,
} from './quote.service';
export { QuoteService } from './quote.service';
export type { QuoteFileOptions, QuoteFileResult } from './quote-file';
export { formatQuoteResult, parseSubmissionText, quoteSubmissionFile } from './quote-file';
export { registerUnderwritingRoutes } from './routes';
export type { PolicyRow, QuoteRow, StoredSimulation } from './schema';
export type { AssessmentSource, BuiltSubmission, RequestedTerms } from './submission.service';
export { inventoryAssessment, SubmissionService, USD_PER_UNIT } from './submission.service';
