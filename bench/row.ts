/** One line of `npm run bench`'s table: what every section returns to bench/run.ts. */
export interface BenchRow {
  section: string;
  metric: string;
  value: string;
  baseline: string;
  goal: string;
  ok: boolean | null;
}
