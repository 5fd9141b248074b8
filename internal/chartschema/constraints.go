package chartschema

import (
	"encoding/json"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/ballast-dev/ballast/internal/policy"
)

// Patterns of values that policy.Validate checks in code.
const (
	// notBlank: a reason with something in it besides white space, as
	// strings.TrimSpace sees it (unicode.IsSpace).
	notBlank = `[^\t\n\v\f\r \x{85}\p{Z}]`
	// glob: a pattern path.Match accepts. Outside a class any character but
	// '[' and '\' stands for itself, '\' escapes the next one; a class is
	// '[', an optional '^', then one or more characters or ranges, then ']',
	// where a character is neither '-', ']' nor '\', or is escaped.
	glob = `^(?:[^\[\\]|\\.|\[\^?(?:(?:[^\\\-\]]|\\.)(?:-(?:[^\\\-\]]|\\.))?)+\])*$`
	// percent: what strconv.Atoi reads as 1 to 100, followed by '%'.
	percent = `^\+?0*([1-9][0-9]?|100)%$`
	// labelKey: a Kubernetes label key, an optional DNS subdomain prefix and
	// a name of at most 63 characters.
	labelKey = `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`
	// adminLabelKey: a label key only namespace admins may set on a
	// namespace: under ballast.dev/ (guarded by Ballast), or the name the
	// API server sets.
	adminLabelKey = `^(ballast\.dev/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?|kubernetes\.io/metadata\.name)$`
	// labelValue: a Kubernetes label value, at most 63 characters.
	labelValue = `^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`
	// maxSleepSeconds is policy's bound of the injected preStop sleep.
	maxSleepSeconds = "3600"
)

// constraints add to the reflected schema, at each path (see find), what
// policy.Validate checks in code. The chart tests run one table of bad
// policies through the binary and through helm, which keeps the two in
// step.
var constraints = func() map[string]func(*jsonschema.Schema) {
	c := map[string]func(*jsonschema.Schema){
		"rules.min-replicas.minimum":                    minimum("1"),
		"rules.hpa-min-replicas.minimum":                minimum("1"),
		"rules.termination-grace.shutdownBudgetSeconds": minimum("0"),
		"rules.pdb.maxUnavailable": func(s *jsonschema.Schema) {
			s.AnyOf[0].Minimum = "1"
			s.AnyOf[1].Pattern = percent
			s.Description += ` A count of at least 1 or a percentage from "1%" to "100%".`
		},
		"podDefaults.ownerKinds": minItems(1),
		"podDefaults.ownerKinds[]": func(s *jsonschema.Schema) {
			nonEmpty(s)
			// The pods of Jobs run to completion and serve no traffic.
			s.Not = &jsonschema.Schema{Enum: []any{"Job", "CronJob"}}
		},
		"podDefaults.preStop.sleepSeconds": func(s *jsonschema.Schema) {
			s.Minimum, s.Maximum = "1", maxSleepSeconds
		},
		"exemptions[].reason":       pattern(notBlank),
		"exemptions[].namespaces[]": func(s *jsonschema.Schema) { nonEmpty(s); pattern(glob)(s) },
		"exemptions[].rules[]": func(s *jsonschema.Schema) {
			*s = *enum(append(policy.RuleIDs(), policy.AllRules))
		},
		// Unset, "", leaves the namespaces' mode as it is.
		"exemptions[].mode":        func(s *jsonschema.Schema) { s.Enum = append(s.Enum, "") },
		"namespaceAdmins.users[]":  nonEmpty,
		"namespaceAdmins.groups[]": nonEmpty,
	}
	for _, probe := range []string{"readinessProbe", "livenessProbe", "startupProbe"} {
		p := "podDefaults." + probe + "."
		c[p+"initialDelaySeconds"] = minimum("0")
		c[p+"periodSeconds"] = minimum("1")
		c[p+"timeoutSeconds"] = minimum("1")
		c[p+"failureThreshold"] = minimum("1")
	}
	// A profile's overrides are judged as the policy's own, but for the
	// list of owner kinds, which a profile may leave empty.
	for path, constrain := range c {
		if (strings.HasPrefix(path, "rules.") || strings.HasPrefix(path, "podDefaults.")) && path != "podDefaults.ownerKinds" {
			c["profiles[]."+path] = constrain
		}
	}
	selector(c, "exemptions[].namespaceSelector", labelKey)
	selector(c, "exemptions[].workloadSelector", labelKey)
	// Only labels tenants cannot set may pick a namespace's profile.
	selector(c, "profiles[].namespaceSelector", adminLabelKey)
	c["exemptions[].workloads[].name"] = func(s *jsonschema.Schema) { nonEmpty(s); pattern(glob)(s) }
	c["exemptions[].workloads[].kind"] = pattern(glob)
	c["profiles[].name"] = nonEmpty
	c["profiles[].namespaces[]"] = func(s *jsonschema.Schema) { nonEmpty(s); pattern(glob)(s) }
	c["podDefaults.preStop.maxSleepSeconds"] = func(s *jsonschema.Schema) { s.Minimum, s.Maximum = "1", maxSleepSeconds }
	return c
}()

// selector adds to c the constraints of a label selector at path whose
// keys match keyPattern.
func selector(c map[string]func(*jsonschema.Schema), path, keyPattern string) {
	c[path+".matchLabels"] = func(s *jsonschema.Schema) {
		// Keys by patternProperties, not propertyNames, whose errors helm
		// places wrongly.
		pattern(labelValue)(s.AdditionalProperties)
		s.PatternProperties = map[string]*jsonschema.Schema{keyPattern: s.AdditionalProperties}
		s.AdditionalProperties = jsonschema.FalseSchema
	}
	c[path+".matchExpressions[].key"] = pattern(keyPattern)
	c[path+".matchExpressions[].values[]"] = pattern(labelValue)
	c[path+".matchExpressions[]"] = func(s *jsonschema.Schema) {
		// In and NotIn need values; Exists and DoesNotExist take none.
		needValues := withProperty("values", &jsonschema.Schema{MinItems: ptr(1)})
		needValues.Required = []string{"values"}
		s.AllOf = []*jsonschema.Schema{
			ifOperator([]any{"In", "NotIn"}, needValues),
			ifOperator([]any{"Exists", "DoesNotExist"}, withProperty("values", &jsonschema.Schema{MaxItems: ptr(0)})),
		}
	}
}

func minimum(n string) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) { s.Minimum = json.Number(n) }
}

func minItems(n uint64) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) { s.MinItems = ptr(n) }
}

// nonEmpty: a string of at least one character.
func nonEmpty(s *jsonschema.Schema) { s.MinLength = ptr(1) }

func pattern(p string) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) { s.Pattern = p }
}

// ifOperator applies then to a selector requirement whose operator is one
// of operators.
func ifOperator(operators []any, then *jsonschema.Schema) *jsonschema.Schema {
	is := withProperty("operator", &jsonschema.Schema{Enum: operators})
	is.Required = []string{"operator"}
	return &jsonschema.Schema{If: is, Then: then}
}

// withProperty is a schema of an object whose property name, when there,
// matches s.
func withProperty(name string, s *jsonschema.Schema) *jsonschema.Schema {
	p := jsonschema.NewProperties()
	p.Set(name, s)
	return &jsonschema.Schema{Properties: p}
}

func ptr(n uint64) *uint64 { return &n }
