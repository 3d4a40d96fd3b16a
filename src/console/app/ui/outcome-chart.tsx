import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { ByStatus } from "../types";

/** The outcomes drawn, each from the states it stands for, in the colour its CSS variable holds. */
const OUTCOMES = [
  { label: "delivered", states: ["delivered"], colour: "--chart-delivered" },
  { label: "failed", states: ["dead", "discarded"], colour: "--chart-failed" },
  { label: "waiting", states: ["pending", "retrying"], colour: "--chart-waiting" },
] as const;

const sum = (counts: ByStatus, states: readonly (keyof ByStatus)[]) =>
  states.reduce((total, state) => total + counts[state], 0);

const DARK = "(prefers-color-scheme: dark)";
const HALF_HOUR_S = 1800;

/**
 * Stacked bars, one an hour: each outcome's bar is drawn as the running total up to it, the
 * tallest first, so the later (shorter) ones cover its lower part.
 */
function drawChart(element: HTMLElement, hourly: (ByStatus & { hour: string })[]): uPlot {
  const style = getComputedStyle(element);
  const stacked = OUTCOMES.map((_, index) =>
    hourly.map((hour) =>
      OUTCOMES.slice(0, index + 1).reduce((total, each) => total + sum(hour, each.states), 0),
    ),
  ).reverse();
  const bars = uPlot.paths.bars?.({ size: [0.8, 12] });
  return new uPlot(
    {
      width: 180,
      height: 44,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false }],
      scales: {
        // Half an hour either side, so the first and last bars are drawn whole.
        x: { time: true, range: (_, min, max) => [min - HALF_HOUR_S, max + HALF_HOUR_S] },
        y: { range: (_, __, max) => [0, Math.max(1, max)] },
      },
      series: [
        {},
        ...[...OUTCOMES].reverse().map((outcome) => {
          const colour = style.getPropertyValue(outcome.colour).trim();
          return { label: outcome.label, stroke: colour, fill: colour, paths: bars, points: { show: false } };
        }),
      ],
    },
    [hourly.map((hour) => Date.parse(hour.hour) / 1000), ...stacked],
    element,
  );
}

/**
 * A small chart of deliveries per hour by outcome (uPlot, drawn on a canvas, redrawn when the
 * colour scheme changes). The numbers are in its accessible name, since a canvas says nothing to
 * a screen reader. uPlot sets its elements' sizes through element.style, which the
 * Content-Security-Policy allows (it forbids style attributes in markup and <style> elements,
 * neither of which uPlot makes).
 */
export function OutcomeChart({ hourly, label }: { hourly: (ByStatus & { hour: string })[]; label: string }) {
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    let chart = drawChart(element, hourly);
    const scheme = matchMedia(DARK);
    const redraw = () => {
      chart.destroy();
      chart = drawChart(element, hourly);
    };
    scheme.addEventListener("change", redraw);
    return () => {
      scheme.removeEventListener("change", redraw);
      chart.destroy();
    };
  }, [hourly]);

  const totals = OUTCOMES.map(
    (outcome) => `${hourly.reduce((total, hour) => total + sum(hour, outcome.states), 0)} ${outcome.label}`,
  );
  return <div class="outcome-chart" ref={holder} role="img" aria-label={`${label}: ${totals.join(", ")}`} />;
}
