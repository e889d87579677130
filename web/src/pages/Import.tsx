import { type DragEvent, useState } from 'react';
import { ApiError, api, type ImportResult } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatCount } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';

// The CSV layout of the import and export (src/modules/inventory/domain/device-input.ts CSV_COLUMNS).
const CSV_COLUMNS =
  'name,kind,vendor,product,model,firmwareVersion,serial,site,ipAddresses,macAddresses,networkSegment,' +
  'segmentedFromOffice,internetExposed,criticality,safetyCritical,dataHeld,credentialState,openServices,' +
  'supportEndDate,secureBoot,encryptedTransport,updateMechanism,status';

function contentTypeOf(file: File): 'text/csv' | 'application/json' | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv';
  if (name.endsWith('.json') || file.type === 'application/json') return 'application/json';
  return null;
}

export function ImportPage(_: PageProps) {
  const { me, can } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<(ImportResult & { file: string }) | null>(null);
  const [dragging, setDragging] = useState(false);
  // Remounting the input clears it, so an imported file is not sent twice by a second click.
  const [inputKey, setInputKey] = useState(0);

  const choose = (f: File | null | undefined) => {
    setFile(f ?? null);
    setError(null);
    setResult(null);
  };

  const submit = async () => {
    if (!file) return;
    const type = contentTypeOf(file);
    if (!type) {
      setError(new ApiError(0, 'invalid', `"${file.name}" is neither a .csv nor a .json file`));
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api.importDevices(file, type);
      setResult({ ...r, file: file.name });
      setFile(null);
      setInputKey((k) => k + 1);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'internal', String(e)));
    } finally {
      setBusy(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    choose(e.dataTransfer.files[0]);
  };

  const template = () => {
    const url = URL.createObjectURL(new Blob([`${CSV_COLUMNS}\n`], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'devices-template.csv';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  if (!can('inventory:write'))
    return (
      <div className="page">
        <h1>Import devices</h1>
        <div className="alert alert-warn">
          Your access to {me.acting.name} is read-only; importing needs the inventory:write permission.
        </div>
      </div>
    );

  return (
    <div className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Import devices</h1>
          <div className="muted">
            Into {me.acting.name}. A file is imported whole or not at all: every bad row is listed with its
            line and field.
          </div>
        </div>
      </div>

      <section className="card">
        <label
          className={dragging ? 'dropzone dragging' : 'dropzone'}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <input
            key={inputKey}
            className="visually-hidden"
            type="file"
            accept=".csv,.json,text/csv,application/json"
            data-testid="import-file"
            onChange={(e) => choose(e.target.files?.[0])}
          />
          {file ? (
            <span>
              <strong>{file.name}</strong> <span className="muted">({formatCount(file.size)} bytes)</span>
            </span>
          ) : (
            <span>Drop a CSV or JSON device file here</span>
          )}
          <span className="choose">{file ? 'Choose another file' : 'or choose a file'}</span>
        </label>
        <div className="actions">
          <button
            className="btn btn-primary"
            data-testid="import-submit"
            disabled={!file || busy}
            onClick={() => void submit()}
          >
            {busy ? 'Importing…' : 'Import'}
          </button>
          <button className="btn btn-link" onClick={template}>
            Download CSV template
          </button>
        </div>
      </section>

      {error && <ErrorPanel error={error} />}
      {result && (
        <div className="alert alert-ok" role="status" data-testid="import-result">
          <div className="alert-title">
            Imported {formatCount(result.created)} device{result.created === 1 ? '' : 's'} from {result.file}
          </div>
          <div>
            {result.sitesCreated.length === 0
              ? 'No new sites.'
              : `${result.sitesCreated.length} new site${result.sitesCreated.length === 1 ? '' : 's'}: ${result.sitesCreated.join(', ')}.`}{' '}
            <Link to="/inventory">See the inventory</Link>
          </div>
        </div>
      )}

      <section className="card">
        <h2>File layout</h2>
        <p className="muted">
          CSV with a header row naming these columns (name, kind, vendor and product are required; lists are
          separated by <code>;</code>; open services as <code>23/tcp:telnet;502/tcp</code>; a new{' '}
          <code>site</code> name creates the site). JSON: an array of objects with the same fields, or{' '}
          <code>{'{ "devices": [...] }'}</code>. Export gives the same layout.
        </p>
        <pre className="code">{CSV_COLUMNS.replace(/,/g, ', ')}</pre>
      </section>
    </div>
  );
}
