import { api } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { useSearchState } from '../router';
import type { PageProps } from '../routes';
import { useResource } from '../use-resource';

async function openReport(id: string) {
  const blob = await api.baselineReport(id);
  window.open(URL.createObjectURL(new Blob([blob], { type: 'text/html' })), '_blank', 'noopener');
}

export function BaselinesPage(_: PageProps) {
  const [search, setSearch] = useSearchState();
  const list = useResource((signal) => api.baselines(signal), []);
  const chosen = search.get('baseline') ?? list.data?.items[0]?.id ?? '';
  const ev = useResource(
    (signal) => (chosen ? api.baselineEvaluation(chosen, signal) : Promise.resolve(undefined)),
    [chosen],
  );
  const e = ev.data;
  return (
    <div className="page">
      <div className="page-header">
        <h1>Baselines</h1>
        <div className="muted">
          Each requirement per device: met, not met or unknown, with the fact that decided it.
        </div>
      </div>
      {list.error && <ErrorPanel error={list.error} />}
      <search className="filters">
        <select
          aria-label="Baseline"
          data-testid="baseline-select"
          value={chosen}
          onChange={(x) => setSearch({ baseline: x.target.value })}
        >
          {list.data?.items.map((b) => (
            <option key={b.id} value={b.id}>
              {b.title} ({b.requirements} requirements)
            </option>
          ))}
        </select>
        {chosen && (
          <button type="button" onClick={() => openReport(chosen)} data-testid="baseline-report">
            Printable report
          </button>
        )}
      </search>
      {ev.error && <ErrorPanel error={ev.error} />}
      {e && (
        <>
          <div className="summary" data-testid="baseline-totals">
            <div className="tile">
              <span className="tile-label">Met</span>
              <span className="tile-value">{e.totals.met}</span>
            </div>
            <div className={`tile${e.totals.not_met ? ' tile-high' : ''}`}>
              <span className="tile-label">Not met</span>
              <span className="tile-value">{e.totals.not_met}</span>
            </div>
            <div className="tile">
              <span className="tile-label">Unknown</span>
              <span className="tile-value">{e.totals.unknown}</span>
            </div>
            <div className="tile">
              <span className="tile-label">Devices</span>
              <span className="tile-value">{e.deviceCount}</span>
            </div>
          </div>
          <table className="table table-auto" data-testid="baseline-requirements">
            <thead>
              <tr>
                <th>Requirement</th>
                <th>Met</th>
                <th>Not met</th>
                <th>Unknown</th>
                <th>Failing devices (why)</th>
              </tr>
            </thead>
            <tbody>
              {e.requirements.map((r) => (
                <tr key={r.requirementId}>
                  <td>
                    <strong>{r.requirementId}</strong> {r.title}
                  </td>
                  <td>{r.met}</td>
                  <td>{r.notMet}</td>
                  <td>{r.unknown}</td>
                  <td className="muted">
                    {r.failing
                      .slice(0, 3)
                      .map((f) => `${f.deviceName}: ${f.explanation}`)
                      .join('; ')}
                    {r.failing.length > 3 ? ` … and ${r.failing.length - 3} more` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
