/** The one lifecycle a quote and then its policy move through, with the allowed transitions as data. */
import { conflict } from '../../../core/errors';

export type LifecycleState =
  | 'quoted'
  | 'referred'
  | 'declined'
  | 'bound'
  | 'in_force'
  | 'cancelled'
  | 'expired';

/**
 * Allowed transitions. A referred quote becomes quoted when every referral is approved; a quote that
 * is not taken up expires; a bound policy goes in force on its start date; an in-force policy
 * expires at its end date or is cancelled.
 */
export const TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  referred: ['quoted', 'declined', 'expired'],
  quoted: ['referred', 'bound', 'expired'],
  declined: [],
  bound: ['in_force', 'cancelled'],
  in_force: ['cancelled', 'expired'],
  cancelled: [],
  expired: [],
};

export interface TransitionRecord {
  from: LifecycleState | null;
  to: LifecycleState;
  at: string;
  reason: string;
  by?: string;
}

export const canTransition = (from: LifecycleState, to: LifecycleState): boolean =>
  TRANSITIONS[from].includes(to);

/** Move an entity to `to`, recording why; a move the table does not allow is a conflict. */
export function transition<T extends { status: LifecycleState; history: TransitionRecord[] }>(
  entity: T,
  to: LifecycleState,
  at: Date,
  reason: string,
  by?: string,
): T {
  if (!canTransition(entity.status, to)) {
    throw conflict(`cannot move from ${entity.status} to ${to}`, [
      {
        field: 'status',
        message: `allowed from ${entity.status}: ${TRANSITIONS[entity.status].join(', ') || 'none'}`,
      },
    ]);
  }
  const record: TransitionRecord = {
    from: entity.status,
    to,
    at: at.toISOString(),
    reason,
    ...(by ? { by } : {}),
  };
  return { ...entity, status: to, history: [...entity.history, record] };
}
