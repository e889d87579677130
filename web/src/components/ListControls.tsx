/**
 * What every paged, filtered list shares: paging read from the URL, a labelled filter menu and the
 * pager under the table. The URL holds the state (useSearchState), so a filtered page can be linked.
 */
import { formatCount } from '../format';

const PAGE_SIZES = [25, 50, 100, 200] as const;

/** `limit` and `offset` from the URL: non-negative integers, limit 1–500, defaults 50 and 0. */
export function pageFrom(search: URLSearchParams, defaultLimit = 50): { limit: number; offset: number } {
  const num = (k: string, d: number) => {
    const n = Number(search.get(k));
    return search.has(k) && Number.isInteger(n) && n >= 0 ? n : d;
  };
  return { limit: Math.min(500, Math.max(1, num('limit', defaultLimit))), offset: num('offset', 0) };
}

export interface FilterOption {
  value: string;
  label: string;
}

/** A filter menu whose first entry clears it ("Any severity"). */
export function FilterSelect({
  label,
  testId,
  value,
  any,
  options,
  onChange,
}: {
  label: string;
  testId: string;
  value: string | undefined;
  any: string;
  options: readonly FilterOption[];
  onChange: (value: string) => void;
}) {
  return (
    <select
      aria-label={label}
      data-testid={testId}
      value={value ?? ''}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">{any}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** Options whose label is the value itself, or the value passed through `name`. */
export const optionsOf = (
  values: readonly string[],
  name: (v: string) => string = (v) => v,
): FilterOption[] => values.map((v) => ({ value: v, label: name(v) }));

/**
 * "1–50 of 222", a page-size menu and previous/next. `onChange` gets the URL changes to make:
 * `undefined` removes a key, so the first page and the default size leave the URL clean.
 */
export function Pager({
  offset,
  limit,
  total,
  onChange,
}: {
  offset: number;
  limit: number;
  total: number;
  onChange: (change: { offset?: number; limit?: number }) => void;
}) {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <div className="pager">
      <span data-testid="pager-range">
        {formatCount(from)}–{formatCount(to)} of {formatCount(total)}
      </span>
      <label className="pager-size">
        Rows
        <select
          value={limit}
          onChange={(e) => onChange({ limit: Number(e.target.value), offset: undefined })}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <button
        className="btn"
        data-testid="previous-page"
        disabled={offset === 0}
        onClick={() => onChange({ offset: Math.max(0, offset - limit) || undefined })}
      >
        ← Previous
      </button>
      <button
        className="btn"
        data-testid="next-page"
        disabled={offset + limit >= total}
        onClick={() => onChange({ offset: offset + limit })}
      >
        Next →
      </button>
    </div>
  );
}
