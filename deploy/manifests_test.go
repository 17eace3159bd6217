package deploy_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"careers/internal/config"
	"careers/internal/server"
	"careers/internal/store"
	"careers/internal/testdb"
	"careers/web"
)

const namespace = "careers"

// measuredPeak is the service's peak resident set in `make bench`, past the
// knee included (docs/performance.md, "Latest results"): a pod's memory
// limit below it would be killed under load.
const measuredPeak = 150 << 20

// runtimeVars are variables the Go runtime reads rather than
// internal/config (serve leaves its own heap limit to GOMEMLIMIT when set).
var runtimeVars = map[string]bool{"GOMEMLIMIT": true}

// manifests is everything in deploy/ (what `kubectl apply` reads) and the
// example Secrets, decoded.
type manifests struct {
	namespaces  []*corev1.Namespace
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	deployments map[string]*appsv1.Deployment
	jobs        map[string]*batchv1.Job
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	policies    []*networkingv1.NetworkPolicy
	objects     []metav1.Object
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decode reads one YAML document strictly into the API type its apiVersion
// and kind name: an unknown field, a duplicate field or a kind this test does
// not know is an error.
func decode(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "v1 Namespace":
		obj = &corev1.Namespace{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1 NetworkPolicy":
		obj = &networkingv1.NetworkPolicy{}
	default:
		return nil, fmt.Errorf("apiVersion %q kind %q: not a kind this test knows (add it, with its checks)", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

func load(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("examples/*.yaml")
	files = append(files, examples...)
	if len(files) < 8 {
		t.Fatalf("found only %d manifests: %v", len(files), files)
	}
	m := &manifests{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{}}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docSeparator.Split(string(raw), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			obj, err := decode([]byte(doc))
			if err != nil {
				t.Errorf("%s, document %d: %v", f, i+1, err)
				continue
			}
			switch o := obj.(type) {
			case *corev1.Namespace:
				m.namespaces = append(m.namespaces, o)
			case *corev1.ConfigMap:
				m.configMaps[o.Name] = o
			case *corev1.Secret:
				if !strings.HasPrefix(f, "examples/") {
					t.Errorf("%s: a Secret outside deploy/examples would be applied with its placeholder values", f)
				}
				m.secrets[o.Name] = o
			case *corev1.Service:
				m.services = append(m.services, o)
			case *appsv1.Deployment:
				m.deployments[o.Name] = o
			case *batchv1.Job:
				m.jobs[o.Name] = o
			case *policyv1.PodDisruptionBudget:
				m.pdbs = append(m.pdbs, o)
			case *networkingv1.NetworkPolicy:
				m.policies = append(m.policies, o)
			}
			m.objects = append(m.objects, obj.(metav1.Object))
		}
	}
	return m
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// The decoder refuses what kubectl would refuse, so a manifest that decodes
// here is not merely YAML.
func TestDecodingIsStrict(t *testing.T) {
	raw, err := os.ReadFile("30-web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode(raw); err != nil {
		t.Fatalf("30-web.yaml: %v", err)
	}
	for name, edit := range map[string][2]string{
		"unknown field":   {"readinessProbe:", "readinesProbe:"},
		"wrong type":      {"replicas: 2", "replicas: two"},
		"duplicate field": {"  replicas: 2\n", "  replicas: 2\n  replicas: 3\n"},
		"unknown kind":    {"kind: Deployment", "kind: Deploymnet"},
	} {
		bad := strings.Replace(string(raw), edit[0], edit[1], 1)
		if bad == string(raw) {
			t.Fatalf("%s: %q is not in 30-web.yaml", name, edit[0])
		}
		if _, err := decode([]byte(bad)); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
}

// pod is one workload's pod template, with where it came from.
type pod struct {
	name string
	spec corev1.PodSpec
	meta metav1.ObjectMeta
}

func (m *manifests) pods() []pod {
	var ps []pod
	for name, d := range m.deployments {
		ps = append(ps, pod{"Deployment " + name, d.Spec.Template.Spec, d.Spec.Template.ObjectMeta})
	}
	for name, j := range m.jobs {
		ps = append(ps, pod{"Job " + name, j.Spec.Template.Spec, j.Spec.Template.ObjectMeta})
	}
	slices.SortFunc(ps, func(a, b pod) int { return strings.Compare(a.name, b.name) })
	return ps
}

// secretValue is what the test puts where a manifest reads a Secret: the
// example's value, but a real key for SECRET_KEY (the example holds a
// placeholder).
func secretValue(t *testing.T, m *manifests, ref *corev1.SecretKeySelector) (string, bool) {
	t.Helper()
	s, ok := m.secrets[ref.Name]
	if !ok {
		return "", false
	}
	v, ok := s.StringData[ref.Key]
	if !ok {
		return "", false
	}
	if ref.Key == "SECRET_KEY" {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		v = base64.StdEncoding.EncodeToString(k)
	}
	return v, true
}

// environment is the container's environment as Kubernetes would set it:
// envFrom ConfigMaps first, then env (which wins).
func environment(t *testing.T, m *manifests, where string, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil || from.Prefix != "" {
			t.Errorf("%s: envFrom must name a ConfigMap, without a prefix", where)
			continue
		}
		cm, ok := m.configMaps[from.ConfigMapRef.Name]
		if !ok {
			t.Errorf("%s: envFrom names ConfigMap %q, which deploy/ does not have", where, from.ConfigMapRef.Name)
			continue
		}
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			v, ok := secretValue(t, m, e.ValueFrom.SecretKeyRef)
			if !ok {
				t.Errorf("%s: %s reads key %q of Secret %q, which deploy/examples/secret.yaml does not have",
					where, e.Name, e.ValueFrom.SecretKeyRef.Key, e.ValueFrom.SecretKeyRef.Name)
			}
			env[e.Name] = v
		default:
			t.Errorf("%s: %s: only values and Secret keys are used", where, e.Name)
		}
	}
	return env
}

// loadConfig runs internal/config on env exactly as the service would, and
// returns the configuration and every variable name it asked for.
func loadConfig(env map[string]string) (config.Config, map[string]bool, error) {
	read := map[string]bool{}
	cfg, err := config.Load(func(name string) string {
		read[name] = true
		return env[name]
	})
	return cfg, read, err
}

// Every workload's environment is one the service accepts in production, and
// names only variables that internal/config reads: one it does not read (a
// typo, a setting removed) fails here. The names come from config.Load
// itself, so a setting added there is known here without a list to update.
func TestEnvironmentIsWhatConfigReads(t *testing.T) {
	m := load(t)
	// The mechanism itself: config.Load asks for its settings and not for
	// anything else.
	if _, read, _ := loadConfig(nil); !read["ADDR"] || !read["DATABASE_URL"] || read["NOT_A_SETTING"] {
		t.Fatalf("recording what config.Load reads does not work: %v", read)
	}
	for _, p := range m.pods() {
		for _, c := range p.spec.Containers {
			where := p.name + " container " + c.Name
			env := environment(t, m, where, c)
			cfg, read, err := loadConfig(env)
			if err != nil {
				t.Errorf("%s: the service refuses this environment:\n%v", where, err)
				continue
			}
			if cfg.Env != config.Production {
				t.Errorf("%s: ENV is %q, want production", where, cfg.Env)
			}
			for name := range env {
				if !read[name] && !runtimeVars[name] {
					t.Errorf("%s: sets %s, which internal/config does not read", where, name)
				}
			}
			if v, ok := env["GOMEMLIMIT"]; ok {
				limit := c.Resources.Limits.Memory().Value()
				if n := memLimit(t, v); n <= 0 || n >= limit {
					t.Errorf("%s: GOMEMLIMIT=%s must be below the memory limit (%d bytes)", where, v, limit)
				}
			} else {
				t.Errorf("%s: sets no GOMEMLIMIT: the default soft limit grows with the node's CPUs, not the pod's limit", where)
			}
		}
	}
}

// memLimit parses GOMEMLIMIT's form: a number with an optional B, KiB, MiB,
// GiB or TiB suffix.
func memLimit(t *testing.T, s string) int64 {
	t.Helper()
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Errorf("GOMEMLIMIT %q: %v", s, err)
			}
			return v << u.shift
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Errorf("GOMEMLIMIT %q: %v", s, err)
	}
	return v
}

func envVar(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

func one(t *testing.T, spec corev1.PodSpec, what string) corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 || len(spec.InitContainers) != 0 {
		t.Fatalf("%s: want exactly one container, have %d (and %d init)", what, len(spec.Containers), len(spec.InitContainers))
	}
	return spec.Containers[0]
}

// The three workloads run the right commands with the right roles: web serves
// without workers, the worker Deployment runs them, and only the migration
// Job holds the schema owner's URL.
func TestWorkloads(t *testing.T) {
	m := load(t)
	web, worker, migrate := m.deployments["careers-web"], m.deployments["careers-worker"], m.jobs["careers-migrate"]
	if web == nil || worker == nil || migrate == nil {
		t.Fatalf("want Deployments careers-web and careers-worker and Job careers-migrate; have %v and %v", keys(m.deployments), keys(m.jobs))
	}
	if len(m.deployments) != 2 || len(m.jobs) != 1 {
		t.Errorf("unexpected workloads: %v, %v", keys(m.deployments), keys(m.jobs))
	}

	wc := one(t, web.Spec.Template.Spec, "careers-web")
	if !slices.Equal(wc.Args, []string{"serve"}) || len(wc.Command) != 0 {
		t.Errorf("careers-web runs %v %v, want the image's entrypoint with [serve]", wc.Command, wc.Args)
	}
	cfg, _, err := loadConfig(environment(t, m, "careers-web", wc))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RunWorkers {
		t.Error("careers-web runs the workers inside serve: set RUN_WORKERS=false (the worker Deployment runs them)")
	}
	if e, ok := envVar(wc, "RUN_WORKERS"); !ok || e.Value != "false" {
		t.Errorf("careers-web: RUN_WORKERS is %+v, want the value false in the Deployment itself", e)
	}

	kc := one(t, worker.Spec.Template.Spec, "careers-worker")
	if !slices.Equal(kc.Args, []string{"worker"}) || len(kc.Command) != 0 {
		t.Errorf("careers-worker runs %v %v, want [worker]", kc.Command, kc.Args)
	}
	if *worker.Spec.Replicas < 1 {
		t.Error("careers-worker has no replicas: nothing would send email")
	}

	jc := one(t, migrate.Spec.Template.Spec, "careers-migrate")
	if !slices.Equal(jc.Args, []string{"migrate", "up"}) || len(jc.Command) != 0 {
		t.Errorf("careers-migrate runs %v %v, want [migrate up]", jc.Command, jc.Args)
	}
	if migrate.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever && migrate.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("careers-migrate: restartPolicy %q", migrate.Spec.Template.Spec.RestartPolicy)
	}
	owner, ok := envVar(jc, "MIGRATE_DATABASE_URL")
	if !ok || owner.ValueFrom == nil || owner.ValueFrom.SecretKeyRef == nil {
		t.Fatal("careers-migrate: MIGRATE_DATABASE_URL must come from a Secret")
	}
	ownerSecret := owner.ValueFrom.SecretKeyRef.Name
	app, ok := envVar(jc, "DATABASE_URL")
	if !ok || app.ValueFrom == nil || app.ValueFrom.SecretKeyRef == nil || app.ValueFrom.SecretKeyRef.Name == ownerSecret {
		t.Error("careers-migrate: DATABASE_URL (the role it grants privileges to) must come from the service's Secret, not the owner's")
	}
	jcfg, _, err := loadConfig(environment(t, m, "careers-migrate", jc))
	if err != nil {
		t.Fatal(err)
	}
	if jcfg.MigrateDatabaseURL == "" || jcfg.MigrateDatabaseURL == jcfg.DatabaseURL {
		t.Error("careers-migrate: must migrate as the owner role, whose URL differs from the service role's")
	}
	if ou, au := user(t, jcfg.MigrateDatabaseURL), user(t, jcfg.DatabaseURL); ou == au {
		t.Errorf("careers-migrate: owner and service connect as the same role %q", ou)
	}

	// The owner's URL stays out of the long-running pods.
	for _, c := range []corev1.Container{wc, kc} {
		if _, ok := envVar(c, "MIGRATE_DATABASE_URL"); ok {
			t.Errorf("%s: has MIGRATE_DATABASE_URL: only the migration Job may hold the owner's URL", c.Name)
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == ownerSecret {
				t.Errorf("%s: reads the owner's Secret %q", c.Name, ownerSecret)
			}
		}
		for _, from := range c.EnvFrom {
			if from.SecretRef != nil {
				t.Errorf("%s: envFrom a whole Secret: name each key instead", c.Name)
			}
		}
	}
	for name, cm := range m.configMaps {
		if _, ok := cm.Data["MIGRATE_DATABASE_URL"]; ok {
			t.Errorf("ConfigMap %s holds MIGRATE_DATABASE_URL, a secret", name)
		}
		for _, secret := range []string{"DATABASE_URL", "SECRET_KEY", "SECRET_KEY_PREVIOUS", "SMTP_URL"} {
			if _, ok := cm.Data[secret]; ok {
				t.Errorf("ConfigMap %s holds %s: it belongs in a Secret", name, secret)
			}
		}
	}

	// One image for all three, so the Job migrates to the schema the
	// Deployments expect.
	if wc.Image != kc.Image || wc.Image != jc.Image {
		t.Errorf("images differ: web %s, worker %s, migrate %s", wc.Image, kc.Image, jc.Image)
	}
}

func user(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.User.Username()
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// containerPort finds the port a probe or Service names, by name or number.
func containerPort(c corev1.Container, p intstr.IntOrString) (corev1.ContainerPort, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp, true
		}
	}
	return corev1.ContainerPort{}, false
}

// The web container listens where ADDR says, its probes ask paths the real
// server answers (liveness without the database, readiness only with it),
// and the Service sends traffic to that port of the web pods alone.
func TestPortsAndProbes(t *testing.T) {
	m := load(t)
	webDep := m.deployments["careers-web"]
	if webDep == nil {
		t.Fatal("no careers-web Deployment")
	}
	wc := one(t, webDep.Spec.Template.Spec, "careers-web")
	cfg, _, err := loadConfig(environment(t, m, "careers-web", wc))
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if host != "0.0.0.0" && host != "" && host != "::" {
		t.Errorf("ADDR %s: the pod must listen on every address for the kubelet and the Service to reach it", cfg.Addr)
	}
	listen, _ := strconv.Atoi(port)
	if len(wc.Ports) == 0 {
		t.Fatal("careers-web declares no container port")
	}
	mhost, mport, err := net.SplitHostPort(cfg.MetricsAddr)
	if err != nil {
		t.Fatalf("METRICS_ADDR %q: %v", cfg.MetricsAddr, err)
	}
	if mhost != "0.0.0.0" && mhost != "" && mhost != "::" {
		t.Errorf("METRICS_ADDR %s: the pod must listen on every address for Prometheus to reach it", cfg.MetricsAddr)
	}
	metricsPort, _ := strconv.Atoi(mport)
	for _, cp := range wc.Ports {
		if cp.Name == "http" && int(cp.ContainerPort) != listen {
			t.Errorf("containerPort http is %d, but ADDR listens on %d", cp.ContainerPort, listen)
		}
		if cp.Name == "metrics" && int(cp.ContainerPort) != metricsPort {
			t.Errorf("containerPort metrics is %d, but METRICS_ADDR listens on %d", cp.ContainerPort, metricsPort)
		}
	}

	type probe struct {
		kind string
		p    *corev1.Probe
	}
	probes := []probe{{"liveness", wc.LivenessProbe}, {"readiness", wc.ReadinessProbe}, {"startup", wc.StartupProbe}}
	paths := map[string]string{}
	for _, pr := range probes {
		if pr.p == nil || pr.p.HTTPGet == nil {
			t.Errorf("careers-web has no HTTP %s probe", pr.kind)
			continue
		}
		cp, ok := containerPort(wc, pr.p.HTTPGet.Port)
		if !ok || int(cp.ContainerPort) != listen {
			t.Errorf("%s probe asks port %s, which is not the listening port %d", pr.kind, pr.p.HTTPGet.Port.String(), listen)
		}
		if pr.p.HTTPGet.Scheme != "" && pr.p.HTTPGet.Scheme != corev1.URISchemeHTTP {
			t.Errorf("%s probe uses %s; the pod serves plain HTTP behind the TLS-terminating proxy", pr.kind, pr.p.HTTPGet.Scheme)
		}
		paths[pr.kind] = pr.p.HTTPGet.Path
	}

	// Ask the real server, built as serve builds it with the pod's own
	// configuration: with the database, every probe answers 200; with the
	// database gone, liveness still does (a database outage must not restart
	// pods) and readiness does not (no traffic to a pod that cannot serve).
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	ask := func(pool *pgxpool.Pool, path string) int {
		srv, err := server.New(server.Deps{Config: cfg, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Store: store.New(pool), Assets: assets})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "http://10.1.2.3:"+port+path, nil) // as the kubelet asks: the pod's address
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	up := testdb.NewPool(t)
	down, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(down.Close)
	for kind, path := range paths {
		if code := ask(up, path); code != http.StatusOK {
			t.Errorf("%s probe %s answers %d with the database up, want 200", kind, path, code)
		}
	}
	if code := ask(down, paths["liveness"]); code != http.StatusOK {
		t.Errorf("liveness probe %s answers %d with the database down: pods would be restarted for a database outage", paths["liveness"], code)
	}
	if code := ask(down, paths["readiness"]); code == http.StatusOK {
		t.Errorf("readiness probe %s answers 200 with the database down", paths["readiness"])
	}
	if code := ask(up, "/no-such-probe"); code != http.StatusNotFound {
		t.Errorf("an unknown path answers %d, so this check could not tell a wrong probe path", code)
	}

	// The Service: web pods only, on the listening port.
	if len(m.services) != 1 {
		t.Fatalf("want one Service, have %d", len(m.services))
	}
	svc := m.services[0]
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	if len(svc.Spec.Selector) == 0 || !sel.Matches(labels.Set(webDep.Spec.Template.Labels)) {
		t.Errorf("Service %s does not select the web pods", svc.Name)
	}
	for name, d := range m.deployments {
		if d != webDep && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("Service %s also selects %s", svc.Name, name)
		}
	}
	for _, sp := range svc.Spec.Ports {
		if cp, ok := containerPort(wc, sp.TargetPort); !ok || int(cp.ContainerPort) != listen {
			t.Errorf("Service port %d sends to %s, not the listening port %d", sp.Port, sp.TargetPort.String(), listen)
		}
	}

	// Shutdown: the grace period covers the preStop pause and SHUTDOWN_TIMEOUT.
	pause := time.Duration(0)
	if wc.Lifecycle != nil && wc.Lifecycle.PreStop != nil && wc.Lifecycle.PreStop.Sleep != nil {
		pause = time.Duration(wc.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	for name, d := range m.deployments {
		grace := 30 * time.Second
		if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
			grace = time.Duration(*g) * time.Second
		}
		need := cfg.ShutdownTimeout
		if d == webDep {
			need += pause
		}
		if grace <= need {
			t.Errorf("%s: terminationGracePeriodSeconds %v leaves no room after %v (SHUTDOWN_TIMEOUT and the preStop pause)", name, grace, need)
		}
	}
}

// Every pod runs as the image's non-root user with a read-only root file
// system, no capabilities, no service account token, and within resources
// sized from the measured memory.
func TestSecurityAndResources(t *testing.T) {
	m := load(t)
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// distroless's nonroot user is 65532.
	if !strings.Contains(string(dockerfile), "USER nonroot:nonroot") || !strings.Contains(string(dockerfile), "distroless/static-debian12:nonroot") {
		t.Error("the Dockerfile no longer runs as distroless's nonroot user (65532): update runAsUser in deploy/")
	}
	for _, p := range m.pods() {
		s := p.spec
		if s.AutomountServiceAccountToken == nil || *s.AutomountServiceAccountToken {
			t.Errorf("%s: mounts a service account token it never uses", p.name)
		}
		psc := s.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
			psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod securityContext must be runAsNonRoot, runAsUser 65532, seccomp RuntimeDefault", p.name)
		}
		if s.HostNetwork || s.HostPID || s.HostIPC {
			t.Errorf("%s: shares the host's namespaces", p.name)
		}
		for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
			where := p.name + " container " + c.Name
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
				(sc.Privileged != nil && *sc.Privileged) {
				t.Errorf("%s: securityContext must refuse privilege escalation, keep the root file system read-only and drop ALL capabilities", where)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
				if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
					t.Errorf("%s: %s request %s and limit %s: both must be set, request at most limit", where, r, req.String(), lim.String())
				}
			}
			if strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
				t.Errorf("%s: image %q: name a version", where, c.Image)
			}
		}
	}
	web := m.deployments["careers-web"]
	if web == nil {
		t.Fatal("no careers-web Deployment")
	}
	wc := one(t, web.Spec.Template.Spec, "careers-web")
	if lim := wc.Resources.Limits[corev1.ResourceMemory]; lim.Cmp(*resource.NewQuantity(measuredPeak, resource.BinarySI)) <= 0 {
		t.Errorf("careers-web: memory limit %s is not above the measured peak of 150 MiB (docs/performance.md)", lim.String())
	}
	if len(m.namespaces) != 1 || m.namespaces[0].Name != namespace || m.namespaces[0].Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("want Namespace %s with Pod Security restricted enforced", namespace)
	}
	for _, o := range m.objects {
		if _, isNS := o.(*corev1.Namespace); !isNS && o.GetNamespace() != namespace {
			t.Errorf("%s is in namespace %q, want %q", o.GetName(), o.GetNamespace(), namespace)
		}
	}
}

// Each Deployment with more than one pod has a disruption budget that
// selects exactly its pods; the network policies let the web port in and
// let every pod reach DNS, the database and the mail server the example
// Secrets name.
func TestDisruptionBudgetsAndNetworkPolicies(t *testing.T) {
	m := load(t)
	covered := map[string]int{}
	for _, pdb := range m.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for name, d := range m.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				covered[name]++
				n++
			}
		}
		if n != 1 {
			t.Errorf("PodDisruptionBudget %s selects %d Deployments, want 1", pdb.Name, n)
		}
		if pdb.Spec.MaxUnavailable == nil && pdb.Spec.MinAvailable == nil {
			t.Errorf("PodDisruptionBudget %s sets neither maxUnavailable nor minAvailable", pdb.Name)
		}
		if pdb.Spec.MinAvailable != nil {
			t.Errorf("PodDisruptionBudget %s: use maxUnavailable, so a scaled-down Deployment never blocks node drains", pdb.Name)
		}
	}
	for name, d := range m.deployments {
		if *d.Spec.Replicas > 1 && covered[name] != 1 {
			t.Errorf("Deployment %s has %d replicas and %d disruption budgets, want 1", name, *d.Spec.Replicas, covered[name])
		}
	}

	web := m.deployments["careers-web"]
	if web == nil {
		t.Fatal("no careers-web Deployment")
	}
	wc := one(t, web.Spec.Template.Spec, "careers-web")
	pods := m.pods()
	// The ports each pod may reach, and on which port each may be reached.
	egress := map[string]map[int32]bool{}
	ingress := map[string]map[int32]bool{}
	denyAll := false
	for _, np := range m.policies {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			t.Fatal(err)
		}
		if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 && len(np.Spec.PolicyTypes) == 2 {
			denyAll = true
		}
		for _, p := range pods {
			if !sel.Matches(labels.Set(p.meta.Labels)) {
				continue
			}
			c := p.spec.Containers[0]
			for _, rule := range np.Spec.Ingress {
				for _, port := range rule.Ports {
					cp, ok := containerPort(c, *port.Port)
					if !ok {
						t.Errorf("NetworkPolicy %s lets in port %s, which %s does not declare", np.Name, port.Port.String(), p.name)
						continue
					}
					if ingress[p.name] == nil {
						ingress[p.name] = map[int32]bool{}
					}
					ingress[p.name][cp.ContainerPort] = true
				}
			}
			for _, rule := range np.Spec.Egress {
				for _, port := range rule.Ports {
					if egress[p.name] == nil {
						egress[p.name] = map[int32]bool{}
					}
					egress[p.name][port.Port.IntVal] = true
				}
			}
		}
	}
	if !denyAll {
		t.Error("no default-deny NetworkPolicy for the namespace")
	}
	if cp, _ := containerPort(wc, intstr.FromString("http")); !ingress["Deployment careers-web"][cp.ContainerPort] {
		t.Errorf("nothing lets traffic in to the web pods' port %d", cp.ContainerPort)
	}
	// Every Deployment's pods serve metrics on their "metrics" port, the
	// port METRICS_ADDR listens on; that is all the worker serves. The
	// migration Job serves nothing.
	for _, p := range pods {
		if !strings.HasPrefix(p.name, "Deployment ") {
			if len(ingress[p.name]) > 0 {
				t.Errorf("%s accepts connections, but serves none", p.name)
			}
			continue
		}
		c := p.spec.Containers[0]
		cp, ok := containerPort(c, intstr.FromString("metrics"))
		if !ok {
			t.Errorf("%s declares no metrics port", p.name)
			continue
		}
		if !ingress[p.name][cp.ContainerPort] {
			t.Errorf("nothing lets the monitoring system in to %s's metrics port %d", p.name, cp.ContainerPort)
		}
		for port := range ingress[p.name] {
			if port != cp.ContainerPort && p.name != "Deployment careers-web" {
				t.Errorf("%s accepts connections on port %d, but serves only metrics", p.name, port)
			}
		}
	}
	app := m.secrets["careers-app"]
	if app == nil {
		t.Fatal("deploy/examples/secret.yaml has no careers-app Secret")
	}
	dbPort := urlPort(t, app.StringData["DATABASE_URL"], "5432")
	smtpPort := urlPort(t, app.StringData["SMTP_URL"], "25")
	for _, p := range pods {
		for _, want := range []int32{53, dbPort, smtpPort} {
			if !egress[p.name][want] {
				t.Errorf("%s may not reach port %d (DNS, the database or the mail server)", p.name, want)
			}
		}
	}
}

func urlPort(t *testing.T, raw, def string) int32 {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := u.Port()
	if p == "" {
		p = def
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return int32(n)
}
