//go:build !js

package firefox

import (
	"regexp"
	"strings"
	"testing"
)

// user.js is read by Firefox line by line: every line must be a comment or
// one user_pref call, and the network features named in the brief are off.
func TestUserJS(t *testing.T) {
	js := UserJS()
	line := regexp.MustCompile(`^user_pref\("[a-zA-Z0-9._-]+", ("[^"]*"|true|false|-?[0-9]+)\);$`)
	for _, l := range strings.Split(strings.TrimSpace(js), "\n") {
		if strings.HasPrefix(l, "//") {
			continue
		}
		if !line.MatchString(l) {
			t.Errorf("not a user_pref line: %q", l)
		}
	}
	for _, want := range []string{
		`user_pref("app.update.disabledForTesting", true);`,
		`user_pref("toolkit.telemetry.enabled", false);`,
		`user_pref("browser.safebrowsing.malware.enabled", false);`,
		`user_pref("network.captive-portal-service.enabled", false);`,
		`user_pref("services.settings.server", "data:,#remote-settings-off");`,
	} {
		if !strings.Contains(js, want+"\n") {
			t.Errorf("user.js lacks %s", want)
		}
	}
}
