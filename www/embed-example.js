// The smallest page that boots Linux/Wasm with gohost (docs/embedding.md).
import { startGohost } from './gohost.js';

const gohost = await startGohost();
const out = document.getElementById('out');
const decoder = new TextDecoder();
gohost.on('console', (bytes) => { out.textContent += decoder.decode(bytes, { stream: true }); });
gohost.on('stage', (ev) => { document.getElementById('stage').textContent = ev.stage; });
gohost.on('error', (e) => { document.getElementById('stage').textContent = e.title + ': ' + e.message; });
document.getElementById('line').addEventListener('submit', (ev) => {
  ev.preventDefault();
  gohost.input(document.getElementById('cmd').value + '\r');
  document.getElementById('cmd').value = '';
});

// The page's own URL parameters (?kernel=, ?initrd=, ?cmdline=...), with
// the same rules and defaults as the full page.
const p = gohost.parseParams(location.search, location.href);
if (p.problems.length) throw new Error(p.problems.join(' '));
await gohost.boot({ kernel: p.kernel, initrd: p.initrd, cmdline: p.cmdline });
