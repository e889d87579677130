import { useState } from 'react';
import { useSession } from '../session';

/**
 * The acting organisation. Insurer users switch to insured organisations they hold a submission,
 * quote or policy for (the server lists only those); everyone else sees their organisation's name.
 */
export function OrgSwitcher() {
  const { me, switchOrg } = useSession();
  const [busy, setBusy] = useState(false);
  if (me.organisations.length <= 1) {
    return (
      <div className="org-current">
        <span className="org-label">Organisation</span>
        <strong>{me.acting.name}</strong>
      </div>
    );
  }
  return (
    <label className="org-current">
      <span className="org-label">Acting on</span>
      <select
        className="org-select"
        data-testid="org-switcher"
        value={me.acting.id}
        disabled={busy}
        onChange={async (e) => {
          setBusy(true);
          try {
            await switchOrg(e.target.value);
          } finally {
            setBusy(false);
          }
        }}
      >
        {me.organisations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
            {o.access === 'own' ? ' (own)' : ` (${o.kind})`}
          </option>
        ))}
      </select>
    </label>
  );
}
