//go:build !js

package e2e

// docs/embedding.md's example page, loaded and booted.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmbeddingExample boots the conformance kernel with the minimal page of
// docs/embedding.md (www/embed-example.html, www/embed-example.js), whose
// code the document shows verbatim, and types into it.
func TestEmbeddingExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "embedding.md"))
	require.NoError(t, err)
	for _, name := range []string{"embed-example.html", "embed-example.js"} {
		b, err := os.ReadFile(filepath.Join("..", "www", name))
		require.NoError(t, err)
		assert.True(t, strings.Contains(string(doc), "\n"+string(b)+"```"), "docs/embedding.md shows %s as it is", name)
	}

	tab := newTab(t, 90*time.Second)
	tab.Navigate("/embed-example.html", conformanceParams(conformanceCmdline(t, "input", "input_until=7e", "input_timeout=60")))
	tab.WaitJS("the guest waits for input", `/CONF input ready until=/.test(document.getElementById('out').textContent)`, 45*time.Second)
	assert.Equal(t, "running", pfText(tab, "stage"))
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.SendKeys(chromedp.CSS("#cmd"), "hi~")))
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.CSS("#line button"))))
	tab.WaitJS("CONF DONE", `/CONF DONE \d+ \d+/.test(document.getElementById('out').textContent)`, 30*time.Second)
	out := pfText(tab, "out")
	requireAllPassed(t, out)
	assert.True(t, strings.HasPrefix(pfEchoed(out), "68697e"), "what was typed reached the guest: %s", pfEchoed(out))
	assert.Equal(t, out, Eval[string](tab, `gohost.output()`), "the page's copy of the console is the host's")
	assert.Empty(t, tab.CSPViolations())
}
