// The SVG line chart, shared by both consoles: consoles/shared/chart.tsx.
export * from '../../../consoles/shared/chart.js';
