package juju

import "strings"

// Env is the hook environment Juju sets for a hook or action, parsed once.
// Unset variables are empty strings.
type Env struct {
	CharmDir       string // JUJU_CHARM_DIR (or legacy CHARM_DIR)
	DispatchPath   string // JUJU_DISPATCH_PATH: "hooks/<hook>" or "actions/<action>"
	HookName       string // JUJU_HOOK_NAME (empty for actions)
	ActionName     string // JUJU_ACTION_NAME
	ActionUUID     string // JUJU_ACTION_UUID
	UnitName       string // JUJU_UNIT_NAME, e.g. "octavia/0"
	ModelName      string // JUJU_MODEL_NAME
	ModelUUID      string // JUJU_MODEL_UUID
	MachineID      string // JUJU_MACHINE_ID
	Relation       string // JUJU_RELATION: the endpoint of a relation hook
	RelationID     string // JUJU_RELATION_ID, e.g. "shared-db:3"
	RemoteUnit     string // JUJU_REMOTE_UNIT (empty in -created and -broken)
	RemoteApp      string // JUJU_REMOTE_APP
	DepartingUnit  string // JUJU_DEPARTING_UNIT (-departed hooks)
	SecretID       string // JUJU_SECRET_ID (secret hooks)
	SecretLabel    string // JUJU_SECRET_LABEL
	SecretRevision string // JUJU_SECRET_REVISION (secret-expired, secret-remove)
	Version        string // JUJU_VERSION, the agent's version
	ContextID      string // JUJU_CONTEXT_ID

	AvailabilityZone string // JUJU_AVAILABILITY_ZONE
	PrincipalUnit    string // JUJU_PRINCIPAL_UNIT (subordinates)
	HTTPProxy        string // JUJU_CHARM_HTTP_PROXY
	HTTPSProxy       string // JUJU_CHARM_HTTPS_PROXY
	FTPProxy         string // JUJU_CHARM_FTP_PROXY
	NoProxy          string // JUJU_CHARM_NO_PROXY
}

// ReadEnv reads the hook environment through getenv (os.Getenv in main).
func ReadEnv(getenv func(string) string) Env {
	e := Env{
		CharmDir:         getenv("JUJU_CHARM_DIR"),
		DispatchPath:     getenv("JUJU_DISPATCH_PATH"),
		HookName:         getenv("JUJU_HOOK_NAME"),
		ActionName:       getenv("JUJU_ACTION_NAME"),
		ActionUUID:       getenv("JUJU_ACTION_UUID"),
		UnitName:         getenv("JUJU_UNIT_NAME"),
		ModelName:        getenv("JUJU_MODEL_NAME"),
		ModelUUID:        getenv("JUJU_MODEL_UUID"),
		MachineID:        getenv("JUJU_MACHINE_ID"),
		Relation:         getenv("JUJU_RELATION"),
		RelationID:       getenv("JUJU_RELATION_ID"),
		RemoteUnit:       getenv("JUJU_REMOTE_UNIT"),
		RemoteApp:        getenv("JUJU_REMOTE_APP"),
		DepartingUnit:    getenv("JUJU_DEPARTING_UNIT"),
		SecretID:         getenv("JUJU_SECRET_ID"),
		SecretLabel:      getenv("JUJU_SECRET_LABEL"),
		SecretRevision:   getenv("JUJU_SECRET_REVISION"),
		Version:          getenv("JUJU_VERSION"),
		ContextID:        getenv("JUJU_CONTEXT_ID"),
		AvailabilityZone: getenv("JUJU_AVAILABILITY_ZONE"),
		PrincipalUnit:    getenv("JUJU_PRINCIPAL_UNIT"),
		HTTPProxy:        getenv("JUJU_CHARM_HTTP_PROXY"),
		HTTPSProxy:       getenv("JUJU_CHARM_HTTPS_PROXY"),
		FTPProxy:         getenv("JUJU_CHARM_FTP_PROXY"),
		NoProxy:          getenv("JUJU_CHARM_NO_PROXY"),
	}
	if e.CharmDir == "" {
		e.CharmDir = getenv("CHARM_DIR")
	}
	return e
}

// AppName is the application part of the unit name: "octavia" for
// "octavia/0".
func (e Env) AppName() string {
	app, _, _ := strings.Cut(e.UnitName, "/")
	return app
}

// Event says what Juju is running: taken from JUJU_DISPATCH_PATH
// ("hooks/config-changed", "actions/pause"), else from JUJU_ACTION_NAME or
// JUJU_HOOK_NAME. The zero Event means none of them is set.
func (e Env) Event() Event {
	p := strings.TrimPrefix(e.DispatchPath, "./")
	if name, ok := strings.CutPrefix(p, "hooks/"); ok && name != "" {
		return Event{Kind: HookEvent, Name: name}
	}
	if name, ok := strings.CutPrefix(p, "actions/"); ok && name != "" {
		return Event{Kind: ActionEvent, Name: name}
	}
	if e.ActionName != "" {
		return Event{Kind: ActionEvent, Name: e.ActionName}
	}
	if e.HookName != "" {
		return Event{Kind: HookEvent, Name: e.HookName}
	}
	return Event{}
}
