//go:build !js

// Package firefox starts headless Firefox (Debian's firefox-esr) for tests
// and benchmarks, with a fresh profile whose network features are off, and
// connects to its WebDriver BiDi remote agent (internal/bidi). It is the
// Firefox counterpart of internal/headless.
package firefox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/linuxwasm/gohost/internal/bidi"
)

// DefaultPath is Debian's firefox-esr.
const DefaultPath = "/usr/bin/firefox-esr"

// prefs go into the profile's user.js: everything that would reach out to
// the network (updates, telemetry, safe browsing, captive portal and
// connectivity checks, remote settings, add-on and plugin updates, studies,
// prefetching, proxy auto-detection) is off. On these machines such
// look-ups cannot succeed and would only add noise and delay.
var prefs = map[string]any{
	"app.update.disabledForTesting":                               true,
	"app.update.auto":                                             false,
	"app.update.checkInstallTime":                                 false,
	"app.normandy.enabled":                                        false,
	"app.shield.optoutstudies.enabled":                            false,
	"browser.aboutwelcome.enabled":                                false,
	"browser.newtabpage.enabled":                                  false,
	"browser.newtabpage.activity-stream.feeds.telemetry":          false,
	"browser.newtabpage.activity-stream.telemetry":                false,
	"browser.ping-centre.telemetry":                               false,
	"browser.safebrowsing.blockedURIs.enabled":                    false,
	"browser.safebrowsing.downloads.enabled":                      false,
	"browser.safebrowsing.malware.enabled":                        false,
	"browser.safebrowsing.phishing.enabled":                       false,
	"browser.safebrowsing.update.enabled":                         false,
	"browser.search.update":                                       false,
	"browser.sessionstore.resume_from_crash":                      false,
	"browser.shell.checkDefaultBrowser":                           false,
	"browser.startup.homepage":                                    "about:blank",
	"browser.startup.page":                                        0,
	"browser.topsites.contile.enabled":                            false,
	"datareporting.healthreport.uploadEnabled":                    false,
	"datareporting.policy.dataSubmissionEnabled":                  false,
	"extensions.blocklist.enabled":                                false,
	"extensions.getAddons.cache.enabled":                          false,
	"extensions.update.enabled":                                   false,
	"geo.provider.network.url":                                    "",
	"media.gmp-manager.updateEnabled":                             false,
	"messaging-system.rsexperimentloader.enabled":                 false,
	"network.captive-portal-service.enabled":                      false,
	"network.connectivity-service.enabled":                        false,
	"network.dns.disablePrefetch":                                 true,
	"network.http.speculative-parallel-limit":                     0,
	"network.prefetch-next":                                       false,
	"network.proxy.type":                                          0,
	"services.settings.server":                                    "data:,#remote-settings-off",
	"toolkit.telemetry.enabled":                                   false,
	"toolkit.telemetry.server":                                    "data:,",
	"toolkit.telemetry.unified":                                   false,
	"toolkit.startup.max_resumed_crashes":                         -1,
	"browser.tabs.warnOnClose":                                    false,
	"browser.warnOnQuit":                                          false,
	"dom.disable_open_during_load":                                false,
	"privacy.trackingprotection.enabled":                          false,
	"browser.contentblocking.report.lockwise.enabled":             false,
	"signon.rememberSignons":                                      false,
	"browser.region.network.url":                                  "",
	"browser.region.update.enabled":                               false,
	"identity.fxaccounts.enabled":                                 false,
	"extensions.systemAddon.update.enabled":                       false,
	"browser.discovery.enabled":                                   false,
	"network.trr.mode":                                            5,
	"security.OCSP.enabled":                                       0,
	"security.remote_settings.crlite_filters.enabled":             false,
	"security.remote_settings.intermediates.enabled":              false,
	"browser.urlbar.suggest.quicksuggest.sponsored":               false,
	"browser.urlbar.quicksuggest.enabled":                         false,
	"datareporting.policy.dataSubmissionPolicyBypassNotification": true,
}

// UserJS is the text of the profile's user.js.
func UserJS() string {
	keys := make([]string, 0, len(prefs))
	for k := range prefs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("// Written by gohost's internal/firefox: a test profile with network features off.\n")
	for _, k := range keys {
		v := prefs[k]
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&b, "user_pref(%q, %q);\n", k, v)
		default:
			fmt.Fprintf(&b, "user_pref(%q, %v);\n", k, v)
		}
	}
	return b.String()
}

// listening is the line the remote agent prints once it accepts connections.
var listening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// Browser is a running Firefox with a BiDi session.
type Browser struct {
	*bidi.Conn
	cmd     *exec.Cmd
	profile string
	waited  chan struct{}

	mu  sync.Mutex
	log []string // the browser's last output lines, for error messages
}

// PID is the browser's main process.
func (b *Browser) PID() int { return b.cmd.Process.Pid }

// Start runs exe headless with a fresh profile, connects to its remote agent
// and opens a session. Close ends it all.
func Start(ctx context.Context, exe string) (*Browser, error) {
	if exe == "" {
		exe = DefaultPath
	}
	profile, err := os.MkdirTemp("", "gohost-firefox-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(UserJS()), 0o644); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	cmd := exec.Command(exe, "--headless", "--no-remote", "--new-instance",
		"--remote-debugging-port=0", "--profile", profile, "--window-size=1280,900", "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1")
	// Its own process group, so that Close ends every content process too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("firefox: %w", err)
	}
	b := &Browser{cmd: cmd, profile: profile, waited: make(chan struct{})}
	go func() {
		cmd.Wait()
		pw.Close()
		close(b.waited)
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			b.mu.Lock()
			if len(b.log) == 50 {
				b.log = b.log[1:]
			}
			b.log = append(b.log, line)
			b.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()

	fail := func(err error) (*Browser, error) {
		b.kill()
		return nil, fmt.Errorf("firefox: %w; its output:\n%s", err, b.Output())
	}
	var u string
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	select {
	case u = <-urls:
	case <-b.waited:
		return fail(errors.New("exited before its remote agent listened"))
	case <-startCtx.Done():
		return fail(fmt.Errorf("no remote agent: %w", startCtx.Err()))
	}
	conn, err := bidi.Dial(startCtx, u+"/session")
	if err != nil {
		return fail(err)
	}
	b.Conn = conn
	if err := conn.NewSession(startCtx); err != nil {
		conn.Close()
		return fail(err)
	}
	return b, nil
}

// Output is the browser's last lines of output.
func (b *Browser) Output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.log, "\n")
}

// Close ends the session, stops the browser and removes its profile.
func (b *Browser) Close() {
	if b.Conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = b.EndSession(ctx)
		cancel()
		_ = b.Conn.Close()
	}
	b.kill()
}

func (b *Browser) kill() {
	// SIGTERM to the group, then SIGKILL if it lingers.
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-b.waited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.waited
	}
	// Content processes may outlive the parent by a moment.
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	os.RemoveAll(b.profile)
}

// Version is `exe --version`, e.g. "Mozilla Firefox 153.8.0esr".
func Version(exe string) (string, error) {
	if exe == "" {
		exe = DefaultPath
	}
	out, err := exec.Command(exe, "--version").Output()
	return strings.TrimSpace(string(out)), err
}
