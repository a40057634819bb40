//go:build !js

package e2e

// The user's files: added to the initramfs, kept in the browser across
// reloads until removed, and a full storage said so.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/cpio"
)

func TestPageUserFiles(t *testing.T) {
	t.Run("UserFiles", testUserFiles)
	t.Run("StorageFull", testUserFilesStorageFull)
}

// filesCmdline is a conformance command line whose initrd check expects
// the base initramfs with these files added, byte for byte what
// cpio.PlaceUserFiles + cpio.Append make (in the page's order: by name).
func filesCmdline(t *testing.T, files []cpio.File) string {
	t.Helper()
	placed, err := cpio.PlaceUserFiles(cpio.DefaultUserPrefix, files)
	require.NoError(t, err)
	combined, err := cpio.Append(confFile(t, "initramfs.cpio"), placed)
	require.NoError(t, err)
	return "conf=boot,initrd maxcpus=3 " + conformance.InitrdDescription(combined)
}

// UserFiles: files picked through the file input and dropped on the drop
// zone are listed and reach the guest under /home/user/ ("Boot with these
// files"); after a reload they are still listed and the page's first boot
// has them; a removed file is gone from the list, and after the next
// reload from the guest too. Its own browser: a fresh profile, whose
// storage no other test sees.
func testUserFiles(t *testing.T) {
	needConformance(t)
	browser := ownBrowser(t)
	dir := t.TempDir()
	picked := []cpio.File{
		{Name: "blob.bin", Mode: 0o644, Data: bytes.Repeat([]byte("0123456789abcdef"), 4096+3)},
		{Name: "hello.txt", Mode: 0o644, Data: []byte("hello from the page test\n")},
	}
	dropped := cpio.File{Name: "dropped.txt", Mode: 0o644, Data: []byte("dropped ünïcode\n")}
	var paths []string
	for _, f := range picked {
		p := filepath.Join(dir, f.Name)
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
		paths = append(paths, p)
	}
	all := []cpio.File{picked[0], dropped, picked[1]} // by name
	cmdAll := filesCmdline(t, all)

	tab := confTabIn(t, browser, 2*time.Minute, cmdAll, nil)
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
	tab.WaitJS("three files listed", `document.querySelectorAll('#file-list li').length === 3`, 5*time.Second)
	list := Eval[string](tab, `document.getElementById('file-list').innerText`)
	assert.Contains(t, list, "hello.txt (25 B)")
	assert.Contains(t, list, "blob.bin (64 KiB)")
	assert.Contains(t, list, "dropped.txt")
	assert.Equal(t, 3, Eval[int](tab, `document.querySelectorAll('#file-list button.remove').length`), "a remove button each")
	assert.False(t, pfVisible(tab, "files-error"))
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

	// A reload: the files are still there, and the first boot has them.
	tab.Navigate("/", conformanceParams(cmdAll))
	out = tab.waitDone(45 * time.Second)
	requireAllPassed(t, out)
	for _, f := range all {
		assert.Contains(t, out, fmt.Sprintf("CONF initrd entry home/user/%s %d\r\n", f.Name, len(f.Data)))
	}
	assert.Equal(t, 3, Eval[int](tab, `document.querySelectorAll('#file-list li').length`))

	// Remove one: gone from the list at once, from the guest after a reload.
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.CSS(`#file-list button.remove[data-name="blob.bin"]`))))
	tab.WaitJS("two files listed", `document.querySelectorAll('#file-list li').length === 2`, 5*time.Second)
	assert.NotContains(t, Eval[string](tab, `document.getElementById('file-list').innerText`), "blob.bin")
	time.Sleep(300 * time.Millisecond) // the store's transaction
	rest := []cpio.File{dropped, picked[1]}
	tab.Navigate("/", conformanceParams(filesCmdline(t, rest)))
	out = tab.waitDone(45 * time.Second)
	requireAllPassed(t, out)
	assert.NotContains(t, out, "home/user/blob.bin")
	assert.Contains(t, out, "CONF initrd entry home/user/hello.txt 25\r\n")
	assert.Equal(t, fmt.Sprintf("dropped.txt (%d B)\nRemove\nhello.txt (25 B)\nRemove", len(dropped.Data)), strings.TrimSpace(Eval[string](tab, `document.getElementById('file-list').innerText`)))
}

// StorageFull: a file the browser's storage has no room for is said to be
// not kept (QuotaExceededError), and is still used for this page's boots.
func testUserFilesStorageFull(t *testing.T) {
	needConformance(t)
	browser := ownBrowser(t)
	big := cpio.File{Name: "big.bin", Mode: 0o644, Data: bytes.Repeat([]byte("x"), 256<<10)}
	tab := confTabIn(t, browser, 90*time.Second, filesCmdline(t, []cpio.File{big}), nil)
	tab.waitDone(45 * time.Second)
	quota := float64(16 << 10)
	tab.cdpDo("a 16 KiB quota", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: baseURL, QuotaSize: &quota})
		return err
	})
	p := filepath.Join(t.TempDir(), big.Name)
	require.NoError(t, os.WriteFile(p, big.Data, 0o644))
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{p})))
	tab.WaitJS("the storage error", `!document.getElementById('files-error').hidden`, 10*time.Second)
	assert.Contains(t, pfText(tab, "files-error"), "big.bin is not kept: the browser's storage for this page is full (QuotaExceededError)")
	assert.Contains(t, Eval[string](tab, `document.getElementById('file-list').innerText`), "big.bin (256 KiB)", "listed for this page's boots")
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("boot-files"))))
	tab.WaitJS("the boot with the file", `/CONF initrd entry home\/user\/big\.bin/.test(gohost.output()) && /CONF DONE \d+ \d+/.test(gohost.output())`, 45*time.Second)
	requireAllPassed(t, Eval[string](tab, `gohost.output()`))
}
