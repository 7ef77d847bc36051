package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sndgct/maillage/internal/yamlpos"
)

// Load reads the YAML file at path and returns the configuration: the
// defaults, overlaid with the file, then with the environment (env is
// os.Getenv in production, a map lookup in tests; nil means an empty
// environment), then validated.
//
// A file that cannot be read gives an error naming it. Otherwise every
// problem found is returned at once as a *Problems.
func Load(path string, env func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, env)
}

// FromEnv returns the defaults overlaid with the environment, validated: the
// configuration when there is no file.
func FromEnv(env func(string) string) (*Config, error) {
	return Parse(nil, "", env)
}

// Parse is Load on bytes already read; name is the file name used in
// problem messages. Empty data (or only comments) is valid: all defaults.
func Parse(data []byte, name string, env func(string) string) (*Config, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	c := Default()
	o := &origin{lines: map[string]int{}, env: map[string]string{}}

	root, syntax := parseDocument(data)
	if syntax != nil {
		return nil, &Problems{File: name, List: []Problem{*syntax}}
	}
	var problems []Problem
	if root != nil {
		d := &decoder{lines: o.lines}
		d.decode(root, reflect.ValueOf(c).Elem(), "", 0)
		problems = d.problems
	}
	applyEnv(c, env, o)
	problems = append(problems, c.validate(o)...)
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, &Problems{File: name, List: problems}
	}
	return c, nil
}

// applyEnv overlays the MAILLAGE_* settings and reads the secrets, recording
// which paths came from which variable so that problems name the variable.
func applyEnv(c *Config, env func(string) string, o *origin) {
	overrides := []struct {
		name, path string
		field      *string
	}{
		{EnvDataDir, "data_dir", &c.DataDir},
		{EnvHTTPListen, "http.listen", &c.HTTP.Listen},
		{EnvPublicURL, "http.public_url", &c.HTTP.PublicURL},
		{EnvSlackAPIURL, "chat.slack.api_url", &c.Chat.Slack.APIURL},
		{EnvLogLevel, "log.level", &c.Log.Level},
		{EnvLogFormat, "log.format", &c.Log.Format},
	}
	for _, ov := range overrides {
		if v := strings.TrimSpace(env(ov.name)); v != "" {
			*ov.field = v
			o.env[ov.path] = ov.name
		}
	}
	c.Secrets = secretsFromEnv(env)
	c.slackByDefault(o)
	c.matrixByDefault(o)
	c.mattermostByDefault(o) // mattermost.go
}

// origin tells where values came from: the line of each path in the file,
// and the variable of each path set from the environment.
type origin struct {
	lines map[string]int
	env   map[string]string
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxLineSearch bounds the search for the line where a syntax error breaks
// the parse (the search is quadratic, and config files are short).
const maxLineSearch = 5000

// parseDocument parses data into its root node (nil when empty). A syntax
// error, or more than one document, is returned as a single problem.
func parseDocument(data []byte) (*yaml.Node, *Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxProblem(data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxProblem(data, err)
	default:
		return nil, &Problem{Line: next.Line, Message: "only one YAML document is allowed (remove the second \"---\")"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	return root, nil
}

// syntaxProblem turns a yaml syntax error into a problem with a line. yaml
// reports the line where the broken construct starts, or none; the first
// prefix of the file that fails with the same error tells the line where
// parsing breaks, which is where the administrator must look.
func syntaxProblem(data []byte, err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if l := findErrorLine(data, err.Error()); l > 0 {
		line = l
	}
	if strings.Contains(msg, "tab") || (line > 0 && lineHasLeadingTab(data, line)) {
		msg += " (indent with spaces, not tabs)"
	}
	return &Problem{Line: line, Message: "invalid YAML: " + msg}
}

func findErrorLine(data []byte, errText string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxLineSearch {
		return 0
	}
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		if err := yaml.Unmarshal(prefix, &n); err != nil && err.Error() == errText {
			return i + 1
		}
	}
	return 0
}

func lineHasLeadingTab(data []byte, line int) bool {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
	return bytes.IndexByte(indent, '\t') >= 0
}

// decoder walks the YAML node tree alongside the Go type of the target,
// reporting every problem with its path and line, and recording the line of
// each path for later validation messages.
type decoder struct {
	problems []Problem
	lines    map[string]int
}

func (d *decoder) add(line int, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decode stores n into v. line is the line of the key holding n (0 for the
// root), which is where problems about the value are reported.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if line == 0 {
		line = n.Line
	}
	if path != "" {
		d.lines[path] = line
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// An empty value keeps the default, except that an empty list is
		// an empty list.
		if v.Kind() == reflect.Slice {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			d.add(line, path, "%s", err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		// An optional section: present means set, even when empty.
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path, line)
		v.Set(p)
	case reflect.Struct:
		d.decodeStruct(n, v, path, line)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(line, path, "must be a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), item.Line)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.add(line, path, "must be a single value, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.add(line, path, "must be a whole number, got %s", describe(n))
			return
		}
		var i int64
		if err := n.Decode(&i); err != nil || v.OverflowInt(i) {
			d.add(line, path, "must be a whole number, got %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.add(line, path, "must be true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		d.add(line, path, "cannot be decoded (unsupported type %s)", v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.add(line, path, "the file must be a mapping of keys to values, got %s", describe(n))
			return
		}
		d.add(line, path, "must be a mapping of keys to values, got %s", describe(n))
		return
	}
	fields := yamlFields(v.Type())
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.add(k.Line, path, "keys must be plain names, got %s", describe(k))
			continue
		}
		key := k.Value
		kpath := joinPath(path, key)
		if first, dup := seen[key]; dup {
			d.add(k.Line, kpath, "duplicate key (first at line %d)", first)
			continue
		}
		seen[key] = k.Line
		if key == "<<" {
			d.add(k.Line, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		idx, ok := fields[key]
		if !ok {
			if vars, secret := secretHint(path, key); secret {
				d.add(k.Line, kpath, "%s", secretMessage(vars))
				continue
			}
			d.add(k.Line, kpath, "unknown key%s", suggest(key, fields))
			d.scanSecrets(val, kpath)
			continue
		}
		d.decode(val, v.Field(idx), kpath, k.Line)
	}
}

// scanSecrets reports secret-looking keys under an unknown key, so that an
// administrator who wrote chat.slack.token learns where the token goes.
func (d *decoder) scanSecrets(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kpath := joinPath(path, k.Value)
			if vars, secret := secretHint(path, k.Value); secret {
				d.add(k.Line, kpath, "%s", secretMessage(vars))
				continue
			}
			d.scanSecrets(val, kpath)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			d.scanSecrets(item, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// yamlFields maps the yaml key names of a struct type to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = i
	}
	return fields
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns " (did you mean "x"?)" for a near miss, or the list of
// accepted keys.
func suggest(key string, fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	if hint := yamlpos.DidYouMean(key, names); hint != "" {
		return hint
	}
	return " (expected one of: " + strings.Join(names, ", ") + ")"
}

var allSecretVars = []string{
	EnvRedisURL, EnvSlackBotToken, EnvSlackAppToken, EnvSlackSigningSecret,
	EnvMattermostURL, EnvMattermostToken, EnvMattermostCommandToken,
	EnvMatrixHomeserverURL, EnvMatrixPassword, EnvMatrixAccessToken, EnvMatrixPickleKey,
}

// secretHint reports whether key (under path) looks like a place where
// someone would put a secret, and which variables hold it instead.
func secretHint(path, key string) ([]string, bool) {
	k := strings.ToLower(key)
	where := strings.ToLower(path + "." + key)
	secretName := k == "token" || k == "password" || k == "passwd" || k == "secret" ||
		k == "secrets" || k == "signing_secret" || k == "api_key" || k == "apikey" ||
		strings.HasSuffix(k, "_token") || strings.HasSuffix(k, "_password") ||
		strings.HasSuffix(k, "_secret")
	isURL := k == "url" || strings.HasSuffix(k, "_url")
	switch {
	case strings.Contains(where, "redis") && (isURL || secretName || k == "user" || k == "username"):
		return []string{EnvRedisURL}, true
	case strings.Contains(where, "matrix") && isURL:
		return []string{EnvMatrixHomeserverURL}, true
	case strings.Contains(where, "matrix") && (secretName || k == "pickle_key"):
		return []string{EnvMatrixPassword, EnvMatrixAccessToken, EnvMatrixPickleKey}, true
	case strings.Contains(where, "mattermost") && isURL:
		return []string{EnvMattermostURL}, true
	case strings.Contains(where, "mattermost") && secretName:
		return []string{EnvMattermostToken}, true
	case strings.Contains(where, "slack") && (k == "app_token" || k == "app_level_token"):
		return []string{EnvSlackAppToken}, true
	case strings.Contains(where, "slack") && strings.Contains(k, "secret"):
		return []string{EnvSlackSigningSecret}, true
	case strings.Contains(where, "slack") && secretName:
		return []string{EnvSlackBotToken}, true
	case strings.Contains(where, "slack") && isURL:
		return []string{EnvSlackBotToken, EnvSlackAppToken, EnvSlackSigningSecret}, true
	case secretName:
		return allSecretVars, true
	}
	return nil, false
}

func secretMessage(vars []string) string {
	if len(vars) == 1 {
		return "secrets are not read from the file; set " + vars[0] + " in the environment"
	}
	return "secrets are not read from the file; set the matching variable in the environment (" +
		strings.Join(vars, ", ") + ")"
}
