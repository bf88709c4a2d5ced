package octavia

// Policy overrides: the policyd-override resource, validated by package
// policyd, becomes files in Octavia's policy.d directory while
// use-policyd-override is true. The API (Apache's WSGI daemons) reads them.

import (
	"errors"
	"path"
	"sort"

	"charm-octavia/internal/pki"
	"charm-octavia/internal/policyd"
	"charm-octavia/internal/relations/nrpe"
)

// Policy is what the pass knows of the policyd-override resource.
type Policy struct {
	// Files are the override files to install while use-policyd-override
	// is true: the attached resource's, or, when it cannot be applied, the
	// last applied resource's (none when there was none).
	Files []policyd.File
	// Problem is why the attached resource cannot be applied (a bad ZIP,
	// bad YAML, a refused key, no resource attached); "" when it was
	// applied. It names entries and keys, never file content.
	Problem string
}

// packagedPolicyFiles are the files the distribution's packages install in
// policy.d; an override must not replace one of them, since the charm would
// remove it with the override.
var packagedPolicyFiles = map[string]bool{
	path.Join(policyd.Dir, "00_default_policy.yaml"): true, // Debian's octavia-common
}

// CheckPolicyOverrides refuses overrides the charm could not install
// without touching a packaged file. gather calls it after policyd.Load.
func CheckPolicyOverrides(o policyd.Overrides) error {
	for _, f := range o.Files(policyd.Dir) {
		if packagedPolicyFiles[f.Path] {
			return errors.New(`"` + path.Base(f.Path) + `" would replace the packaged default policy; rename it`)
		}
	}
	return nil
}

// policyStatusPrefix is what precedes every status message: "PO: " while
// overrides are applied, "PO (broken): " while the resource cannot be
// applied, "" when use-policyd-override is false.
func policyStatusPrefix(in Inputs) string {
	var err error
	if in.Policy.Problem != "" {
		err = errors.New(in.Policy.Problem)
	}
	return policyd.StatusPrefix(in.Config.UsePolicydOverride, err)
}

// policyFiles are the override files to install: readable by the octavia
// group only, and read by the API, which a graceful Apache reload restarts.
func policyFiles(in Inputs) ([]File, []Dir) {
	if !in.Config.UsePolicydOverride || len(in.Policy.Files) == 0 {
		return nil, nil
	}
	var files []File
	for _, f := range in.Policy.Files {
		if path.Dir(f.Path) != policyd.Dir || packagedPolicyFiles[f.Path] {
			continue // not from policyd.Load(...).Files(policyd.Dir)
		}
		files = append(files, File{
			Path: f.Path, Owner: "root", Group: "octavia", Mode: 0o640, Data: f.Data,
			Reload: []string{SvcApache},
		})
	}
	if len(files) == 0 {
		return nil, nil
	}
	// As the packages create it, so that a converged pass changes nothing.
	return files, []Dir{{Path: policyd.Dir, Owner: "root", Group: "root", Mode: 0o755}}
}

// Optional files are those the charm installs in places it shares with the
// packages and other charms (policy.d, the nrpe daemon's directories): it
// removes them once it no longer wants them, and only them. Inputs.Installed
// lists those a previous pass installed; Plan.Installed what to remember.

// optionalPlaces are where optional files may be; a path outside them (a
// damaged record) is never removed.
func optionalPlace(p string) bool {
	switch path.Dir(p) {
	case policyd.Dir, nrpe.ConfDir, nrpe.ExportDir:
		return !packagedPolicyFiles[p]
	}
	return p == nrpe.CertCheckPlugin || p == ControllerCertOnlyPath
}

// addOptional adds the policy override and monitoring files to a plan that
// configures the unit, and removes what a previous pass installed that the
// plan no longer has; removing a file reloads what reads it.
func (pl *Plan) addOptional(in Inputs, b *pki.Bundle) error {
	pf, pd := policyFiles(in)
	mf, md, err := pl.monitoringFiles(in, b)
	if err != nil {
		return err
	}
	files := append(pf, mf...)
	pl.Files = append(pl.Files, files...)
	pl.Dirs = append(pl.Dirs, append(pd, md...)...)
	want := map[string]bool{}
	pl.Installed = nil
	for _, f := range files {
		want[f.Path] = true
		pl.Installed = append(pl.Installed, f.Path)
	}
	sort.Strings(pl.Installed)
	for _, p := range in.Installed {
		if want[p] || !optionalPlace(p) {
			continue
		}
		want[p] = true // once
		f := File{Path: p}
		switch path.Dir(p) {
		case policyd.Dir:
			f.Reload = []string{SvcApache}
		case nrpe.ConfDir:
			f.Reload = []string{SvcNRPE}
		}
		pl.Remove = append(pl.Remove, f)
	}
	pl.ReloadOthers = []string{SvcNRPE}
	return nil
}
