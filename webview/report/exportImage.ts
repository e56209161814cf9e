/**
 * Export of the graph as it is shown, SVG or PNG: a download in the HTML report; in a VS Code
 * panel (webviews cannot download) the image goes to the extension, which asks where to save it.
 */
import type { GraphView } from '../graph/graphView';
import type { DataSource } from '../model/dataSource';
import { h } from '../ui/dom';

export function exportImage(graph: GraphView, source: DataSource, format: 'svg' | 'png'): void {
  const fileName = `heap-graph.${format}`;
  if (format === 'svg') {
    const svg = graph.exportSvg();
    if (source.mode === 'panel') source.post({ type: 'export', format, fileName, data: svg });
    else download(fileName, new Blob([svg], { type: 'image/svg+xml' }));
  } else {
    const url = graph.exportPng();
    if (source.mode === 'panel') {
      source.post({ type: 'export', format, fileName, data: url.slice(url.indexOf(',') + 1) });
    } else {
      const bin = atob(url.slice(url.indexOf(',') + 1));
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      download(fileName, new Blob([bytes], { type: 'image/png' }));
    }
  }
}

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { attrs: { href: url, download: name, hidden: true } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
