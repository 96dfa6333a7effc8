import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Render a Vega-Lite spec to PNG without a browser or canvas: vega-lite → vega → headless SVG
 * (`View({renderer: 'none'}).toSVG()`) → PNG with resvg (system fonts). `scale` multiplies the pixel size.
 */
export async function renderVegaLitePng(spec: TopLevelSpec, scale = 2): Promise<{ png: Buffer; svg: string }> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true } }).render().asPng();
    return { png, svg };
  } finally {
    view.finalize();
  }
}
