/**
 * KitNET feature mapper (Mirsky et al., NDSS 2018, §V-A; Kitsune-py KitNET/corClust.py): during the FM
 * grace period it keeps an incremental correlation matrix of the features; then it clusters them by
 * correlation distance 1 - ρ with single-linkage agglomerative clustering (scipy linkage's default method,
 * as corClust calls it) and cuts the dendrogram top-down until every cluster has at most `maxSize` features.
 */
import type { ByteReader, ByteWriter } from './snapshot';

export class FeatureMapper {
  private n = 0;
  private readonly sum: Float64Array;
  private readonly residualSq: Float64Array;
  /** Upper triangle (row-major, full n×n storage for simple indexing) of Σ residual products. */
  private readonly cross: Float64Array;
  private readonly residual: Float64Array;

  constructor(readonly featureCount: number) {
    this.sum = new Float64Array(featureCount);
    this.residualSq = new Float64Array(featureCount);
    this.cross = new Float64Array(featureCount * featureCount);
    this.residual = new Float64Array(featureCount);
  }

  get updates(): number {
    return this.n;
  }

  /** corClust.update: residuals against the running mean, accumulated as a partial correlation matrix. */
  update(x: Float64Array): void {
    const m = this.featureCount;
    this.n++;
    const { sum, residual, residualSq, cross } = this;
    for (let i = 0; i < m; i++) {
      sum[i] += x[i];
      const r = x[i] - sum[i] / this.n;
      residual[i] = r;
      residualSq[i] += r * r;
    }
    for (let i = 0; i < m; i++) {
      const ri = residual[i];
      if (ri === 0) continue;
      const row = i * m;
      for (let j = i + 1; j < m; j++) cross[row + j] += ri * residual[j];
    }
  }

  /** Correlation distance between features i < j (corClust.corrDist, negatives clipped to 0). */
  distance(i: number, j: number): number {
    if (i > j) [i, j] = [j, i];
    let denom = Math.sqrt(this.residualSq[i]) * Math.sqrt(this.residualSq[j]);
    // corClust: a constant feature has zero spread; 1e-100 keeps it at distance 1 from everything.
    if (denom === 0) denom = 1e-100;
    const d = 1 - this.cross[i * this.featureCount + j] / denom;
    return Math.max(d, 0);
  }

  /**
   * Clusters of feature indices, each of at most maxSize. Single linkage equals merging along the minimum
   * spanning tree's edges in increasing order, so Prim's O(n²) tree plus union-find builds the dendrogram.
   */
  cluster(maxSize: number): number[][] {
    const m = this.featureCount;
    if (m === 0) return [];
    maxSize = Math.max(1, Math.min(maxSize, m));
    const inTree = new Uint8Array(m);
    const best = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
    const from = new Int32Array(m).fill(-1);
    const edges: Array<[number, number, number]> = [];
    best[0] = 0;
    for (let k = 0; k < m; k++) {
      let u = -1;
      for (let i = 0; i < m; i++) if (!inTree[i] && (u < 0 || best[i] < best[u])) u = i;
      inTree[u] = 1;
      if (from[u] >= 0) edges.push([best[u], from[u], u]);
      for (let i = 0; i < m; i++) {
        if (inTree[i]) continue;
        const d = this.distance(u, i);
        if (d < best[i]) {
          best[i] = d;
          from[i] = u;
        }
      }
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    // Dendrogram nodes: leaves 0..m-1, merges m.. (scipy linkage numbering).
    const left: number[] = [];
    const right: number[] = [];
    const count: number[] = new Array(m).fill(1);
    const parent = Int32Array.from({ length: 2 * m }, (_, i) => i);
    const root = (i: number): number => {
      while (parent[i] !== i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
      }
      return i;
    };
    const node = new Int32Array(m).map((_, i) => i);
    for (const [, a, b] of edges) {
      const ra = root(a);
      const rb = root(b);
      const id = m + left.length;
      const na = node[ra];
      const nb = node[rb];
      left.push(Math.min(na, nb));
      right.push(Math.max(na, nb));
      count.push(count[na] + count[nb]);
      parent[rb] = ra;
      node[ra] = id;
    }
    const leaves = (id: number, acc: number[]): number[] => {
      if (id < m) acc.push(id);
      else {
        leaves(left[id - m], acc);
        leaves(right[id - m], acc);
      }
      return acc;
    };
    const out: number[][] = [];
    const split = (id: number): void => {
      if (count[id] <= maxSize) out.push(leaves(id, []));
      else {
        split(left[id - m]);
        split(right[id - m]);
      }
    };
    split(m === 1 ? 0 : 2 * m - 2);
    return out;
  }

  write(w: ByteWriter): void {
    w.u32(this.n);
    w.f64s(this.sum);
    w.f64s(this.residualSq);
    w.f64s(this.cross);
  }

  read(r: ByteReader): void {
    this.n = r.u32();
    this.sum.set(r.f64s());
    this.residualSq.set(r.f64s());
    this.cross.set(r.f64s());
  }
}
