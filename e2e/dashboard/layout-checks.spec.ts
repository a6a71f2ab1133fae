// The layout checks can fail: each defect drawn on purpose in a small page is found, and a page laid
// out properly (truncation with its full text beside it included) gives none.
import { expect, test } from '@playwright/test'
import { findLayoutDefects } from './layout-checks.ts'

const STYLE = `<style>
  body { margin: 0; font: 14px sans-serif; }
  .cut { width: 60px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .scroll { width: 200px; overflow-x: auto; }
  .badge { display: inline-block; padding: 0 6px; }
</style>`

test('each kind of defect drawn on purpose is found and named', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 })
  await page.setContent(`${STYLE}
    <main>
      <table aria-label="Routes" style="table-layout: fixed; width: 60px"><tr><th class="cut">Protocol version</th></tr></table>
      <div style="position: relative; height: 40px">
        <button style="position: absolute; left: 0; width: 120px">Enable route</button>
        <span class="badge" style="position: absolute; left: 60px">1/2 healthy</span>
      </div>
      <div class="scroll"><table><tr><td style="white-space: nowrap">a very long cell that needs far more than two hundred pixels</td></tr></table></div>
      <svg width="100" height="40"><text x="0" y="5">600</text></svg>
      <div style="width: 1200px">wider than the window</div>
    </main>`)
  const defects = await page.evaluate(findLayoutDefects)
  const kinds = defects.map((d) => `${d.kind}: ${d.what}`)
  expect(kinds).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^page overflow: document is 1200 px wide in a 800 px window/),
      expect.stringMatching(/^clipped: <th.cut> "Protocol version" in table "Routes"/),
      expect.stringMatching(/^overlap: <button> "Enable route" and <span.badge> "1\/2 healthy"/),
      expect.stringMatching(/^sideways scroll: <table> "a very long cell/),
      expect.stringMatching(/^clipped: <text> "600": chart label drawn partly outside its chart/),
    ]),
  )
  expect(defects).toHaveLength(5)
})

test('a page laid out properly has no defects', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 })
  await page.setContent(`${STYLE}
    <header style="position: sticky; top: 0; height: 30px"><a href="#">Overview</a></header>
    <main>
      <button style="margin-top: -25px">under the sticky bar</button>
      <h1>Routes</h1>
      <table aria-label="Routes"><tr><th>Path</th><td class="cut" data-truncated-full-text>a long id cut on purpose</td></tr></table>
      <label>Status <select><option>any</option></select></label>
      <button>Refresh</button> <span class="badge">healthy</span>
      <div class="scroll"><table><tr><td>fits</td></tr></table></div>
      <svg width="100" height="40"><text x="0" y="20">600 ms</text></svg>
      <span class="visually-hidden" style="position: absolute; width: 1px; height: 1px; overflow: hidden">hidden text that is long</span>
    </main>`)
  expect(await page.evaluate(findLayoutDefects)).toEqual([])
})
