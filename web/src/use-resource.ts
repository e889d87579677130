import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { ApiError } from './api';

/** Any failure as an ApiError: the server's own, or an 'internal' one carrying the message. */
const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError(0, 'internal', String((e as Error)?.message ?? e));

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Load data for a view; a newer load aborts the older one so a slow answer for an old filter can
 * never overwrite the answer for the current one. Keeps the previous data while reloading.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    load(ctl.signal).then(
      (v) => {
        if (ctl.signal.aborted) return;
        setData(v);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        setError(asApiError(e));
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  busy: boolean;
  error: ApiError | undefined;
  /** Runs `fn` unless one is running; on success calls `onDone`, on failure keeps the error to show. */
  run: (fn: () => Promise<unknown>, onDone?: () => void) => Promise<void>;
}

/** A user action (save, endorse, attest): busy while it runs, its error kept for the view. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(async (fn: () => Promise<unknown>, onDone?: () => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      onDone?.();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
