import type { ApiError } from '../api';

/** The API's error: its message, and every detail (line, field, offset) in a table when there are any. */
export function ErrorPanel({ error, title }: { error: ApiError; title?: string }) {
  const hasLine = error.details.some((d) => d.line !== undefined);
  const hasField = error.details.some((d) => d.field !== undefined);
  const hasOffset = error.details.some((d) => d.offset !== undefined);
  return (
    <div className="alert alert-error" role="alert">
      <div className="alert-title">{title ?? error.message}</div>
      {title && <div>{error.message}</div>}
      {error.details.length > 0 && (hasLine || hasField || hasOffset) && (
        <div className="table-wrap error-details">
          <table className="table" data-testid="error-details">
            <thead>
              <tr>
                {hasLine && <th className="num">Line</th>}
                {hasOffset && <th className="num">Byte offset</th>}
                {hasField && <th>Field</th>}
                <th>Problem</th>
              </tr>
            </thead>
            <tbody>
              {error.details.map((d, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: details have no identity; order is the server's
                <tr key={i}>
                  {hasLine && <td className="num">{d.line ?? ''}</td>}
                  {hasOffset && <td className="num">{d.offset ?? ''}</td>}
                  {hasField && <td className="mono">{d.field ?? ''}</td>}
                  <td>{d.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error.requestId && error.status >= 500 && (
        <div className="muted small">request id {error.requestId}</div>
      )}
    </div>
  );
}
