// Renders every icon DB-Taxi ships from its one drawing, resources/icon.svg, into resources/:
//   icon.png (512), icon-256.png, icon.ico (Windows), icon.icns (macOS): the app icon;
//   tray-{idle,running,failed}.png and @2x: the tray on Windows and Linux (yellow glyph, visible on
//     light and dark panels; a green or red badge for running and failed);
//   tray-{idle,running,failed}Template.png and @2x: macOS menu-bar template images (black and alpha
//     only; macOS tints them for light and dark menu bars).
// Tools: @resvg/resvg-js renders SVG (a Rust renderer, prebuilt per platform from npm) and png2icons
// packs ICO and ICNS (pure JS). The outputs are committed; run `npm run icons` after changing the drawing.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Resvg } from '@resvg/resvg-js'
import png2icons from 'png2icons'

const dir = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'resources')
const drawing = readFileSync(join(dir, 'icon.svg'), 'utf8')
export const TRAY_STATES = ['idle', 'running', 'failed']

/** The drawing with only the named groups shown, and its ink recoloured. */
function variant({ show, ink, band, template = false }) {
  let svg = drawing
  for (const id of ['tile', 'glyph', 'badge-running', 'badge-failed']) {
    if (!show.includes(id)) svg = svg.replace(`<g id="${id}">`, `<g id="${id}" display="none">`)
  }
  if (ink) svg = svg.replace('class="ink" fill="#1F2430"', `class="ink" fill="${ink}"`)
  if (band) svg = svg.replace('class="band" fill="#F7C325"', `class="band" fill="${band}"`)
  if (template) {
    // Template images carry shape in alpha only: badges become black rings around a black mark.
    svg = svg.replace(/fill="#(2E9E5B|D93B3B)" stroke="#FFFFFF" stroke-width="16"/g, 'fill="none" stroke="#000000" stroke-width="28"')
    svg = svg.replace(/fill="#FFFFFF"/g, 'fill="#000000"')
  }
  return svg
}

function render(svg, size) {
  return new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render().asPng()
}

const out = (name, buf) => {
  writeFileSync(join(dir, name), buf)
  process.stdout.write(`resources/${name} (${buf.length} bytes)\n`)
}

const app = variant({ show: ['tile', 'glyph'] })
const big = render(app, 1024)
out('icon.png', render(app, 512))
out('icon-256.png', render(app, 256))
out('icon.ico', png2icons.createICO(big, png2icons.BICUBIC2, 0, true, true))
out('icon.icns', png2icons.createICNS(big, png2icons.BICUBIC2, 0))
for (const state of TRAY_STATES) {
  const badge = state === 'idle' ? [] : [`badge-${state}`]
  const colour = variant({ show: ['glyph', ...badge], ink: '#F7C325', band: '#1F2430' })
  out(`tray-${state}.png`, render(colour, 32))
  out(`tray-${state}@2x.png`, render(colour, 64))
  const template = variant({ show: ['glyph', ...badge], ink: '#000000', band: '#000000', template: true })
  out(`tray-${state}Template.png`, render(template, 16))
  out(`tray-${state}Template@2x.png`, render(template, 32))
}
