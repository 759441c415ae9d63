// Pieces every page uses: loading data, a pager, an error line, a time-series chart.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError } from "./api.ts";

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload(): void;
}

/** Runs `load` now and whenever a dependency changes; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (e: unknown) => current && setState({ error: e instanceof ApiError || e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => void (current = false);
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Problem({ error }: { error?: string }) {
  return error ? <p class="problem" role="alert">{error}</p> : null;
}

export function Pager({ page, pages, onPage, label }: { page: number; pages: number; onPage(p: number): void; label: string }) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>Previous</button>
      <span aria-live="polite">Page {page} of {Math.max(1, pages)}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>Next</button>
    </nav>
  );
}

export function Stat({ label, value, id }: { label: string; value: ComponentChildren; id?: string }) {
  return (
    <div class="stat" data-stat={id}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  bars?: boolean;
}

/**
 * A uPlot chart of series over x (unix seconds). The canvas is drawn for the eye; `summary` says the same in
 * words for screen readers (pages also show the numbers in a table).
 */
export function Chart({ x, series, summary, height = 220 }: { x: number[]; series: Series[]; summary: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const bars = uPlot.paths.bars!({ size: [0.6, 40] });
    const plot = new uPlot(
      {
        width: el.clientWidth || 600, height,
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.bars ? s.color : undefined, width: 2, paths: s.bars ? bars : undefined, points: { show: true, size: 5 } }))],
        axes: [{ stroke: "#333" }, { stroke: "#333" }],
        scales: { x: { time: true } },
        legend: { show: true },
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = () => plot.setSize({ width: el.clientWidth || 600, height });
    window.addEventListener("resize", resize);
    return () => (window.removeEventListener("resize", resize), plot.destroy());
  }, [JSON.stringify([x, series])]);
  return <div class="chart" ref={box} role="img" aria-label={summary} />;
}
