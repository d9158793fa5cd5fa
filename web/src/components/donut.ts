// A small SVG donut chart for shares (protocol mix).
import { PALETTE } from './chart';

const NS = 'http://www.w3.org/2000/svg';

export function donut(parts: { label: string; value: number }[], size = 120): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 42 42');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('class', 'donut');
  const total = parts.reduce((a, p) => a + p.value, 0);
  const r = 15.915; // circumference 100
  let offset = 25;
  parts.forEach((p, i) => {
    const c = document.createElementNS(NS, 'circle');
    const share = total ? (100 * p.value) / total : 0;
    c.setAttribute('cx', '21');
    c.setAttribute('cy', '21');
    c.setAttribute('r', String(r));
    c.setAttribute('fill', 'transparent');
    c.setAttribute('stroke', PALETTE[i % PALETTE.length]);
    c.setAttribute('stroke-width', '6');
    c.setAttribute('stroke-dasharray', `${share} ${100 - share}`);
    c.setAttribute('stroke-dashoffset', String(offset));
    const title = document.createElementNS(NS, 'title');
    title.textContent = `${p.label}: ${share.toFixed(1)} %`;
    c.append(title);
    svg.append(c);
    offset -= share;
  });
  return svg;
}
