//go:build !js

package e2e

// The user's files added to the initramfs.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/cpio"
)

func TestPageUserFiles(t *testing.T) {
	t.Run("UserFiles", testUserFiles)
}

// UserFiles: files picked through the file input (DOM.setFileInputFiles) and
// dropped on the drop zone are added under /home/user/ and the kernel sees
// them after "Boot with these files"; the combined initrd is byte for byte
// what cpio.PlaceUserFiles + cpio.Append make (the boot scenario checks its
// length and FNV-1a).
func testUserFiles(t *testing.T) {
	dir := t.TempDir()
	picked := []cpio.File{
		{Name: "hello.txt", Mode: 0o644, Data: []byte("hello from the page test\n")},
		{Name: "blob.bin", Mode: 0o644, Data: bytes.Repeat([]byte("0123456789abcdef"), 4096+3)},
	}
	dropped := cpio.File{Name: "dropped.txt", Mode: 0o644, Data: []byte("dropped ünïcode\n")}
	var paths []string
	for _, f := range picked {
		p := filepath.Join(dir, f.Name)
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
		paths = append(paths, p)
	}
	all := append(append([]cpio.File{}, picked...), dropped)
	placed, err := cpio.PlaceUserFiles(cpio.DefaultUserPrefix, all)
	require.NoError(t, err)
	base := confFile(t, "initramfs.cpio")
	combined, err := cpio.Append(base, placed)
	require.NoError(t, err)
	h := fnv.New32a()
	h.Write(combined)
	cmdline := fmt.Sprintf("conf=boot,initrd maxcpus=3 initrd_len=%d initrd_fnv=%08x", len(combined), h.Sum32())

	tab := confTab(t, 90*time.Second, cmdline, nil)
	// The first boot has only the base initrd (its length check fails: the
	// command line describes the combined one).
	out := tab.waitDone(45 * time.Second)
	assert.Contains(t, out, "CONF initrd entry bin/conf_a ")
	assert.NotContains(t, out, "home/user/")
	require.True(t, Eval[bool](tab, `document.getElementById('boot-files').disabled`), "nothing to boot with yet")

	require.NoError(t, chromedp.Do(tab.ctx, chromedp.SetUploadFiles(chromedp.ID("file-input"), paths)))
	dj, _ := json.Marshal(string(dropped.Data))
	Eval[chromedp.Void](tab, fmt.Sprintf(`(() => {
	  const dt = new DataTransfer();
	  dt.items.add(new File([%s], %q, {type: 'text/plain'}));
	  const dz = document.getElementById('dropzone');
	  dz.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
	  dz.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, dj, dropped.Name))
	list := Eval[string](tab, `document.getElementById('file-list').innerText`)
	assert.Contains(t, list, "hello.txt (25 B)")
	assert.Contains(t, list, "blob.bin (64 KiB)")
	assert.Contains(t, list, "dropped.txt")
	require.False(t, Eval[bool](tab, `document.getElementById('boot-files').disabled`))

	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("boot-files"))))
	tab.WaitJS("the boot with files", `/CONF initrd entry home\/user\//.test(gohost.output()) && /CONF DONE \d+ \d+/.test(gohost.output())`, 45*time.Second)
	out = Eval[string](tab, `gohost.output()`)
	requireAllPassed(t, out)
	assert.Contains(t, out, "CONF boot initrd_len PASS")
	assert.Contains(t, out, "CONF boot initrd_fnv PASS")
	for _, f := range all {
		assert.Contains(t, out, fmt.Sprintf("CONF initrd entry home/user/%s %d\r\n", f.Name, len(f.Data)))
	}
	assert.Contains(t, out, "CONF initrd entry bin/conf_a ", "the base archive is still there")
	assert.Equal(t, 2, pfCount(stageEvents(t, tab.events()), "boot"))
}
