package check

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

const chart = "../helm/fechatter"

// kubeVersion is the Kubernetes version the chart is rendered for (its kubeVersion is >=1.30).
const kubeVersion = "1.33.0"

// helm finds the Helm binary: $HELM, the CI install (.ci/helm.sh), or PATH. Without it the
// test is skipped, and fails under CI=true.
func helm(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HELM"), "/opt/fechatter-ci/bin/helm"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	p, err := exec.LookPath("helm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("helm is required in CI (bash .ci/helm.sh): %v", err)
		}
		t.Skipf("helm not installed (bash .ci/helm.sh; CI=true makes this a failure): %v", err)
	}
	return p
}

func render(t *testing.T, values string) []byte {
	t.Helper()
	cmd := exec.Command(helm(t), "template", "fechatter", chart, "--namespace", "chat", "--kube-version", kubeVersion, "-f", values)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm template -f %s: %v\n%s", values, err, errb.String())
	}
	return out.Bytes()
}

func decoder() runtime.Decoder {
	sch := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, corev1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(sch); err != nil {
			panic(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, sch, sch, kjson.SerializerOptions{Yaml: true, Strict: true})
}

// decodeAll strictly decodes every rendered manifest into its Kubernetes API type: an
// unknown or misspelt field, a wrong type or an unknown kind fails.
func decodeAll(t *testing.T, rendered []byte) []runtime.Object {
	t.Helper()
	dec := decoder()
	var objs []runtime.Object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(rendered), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		obj, gvk, err := dec.Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Errorf("strict decode: %v\n%s", err, doc)
			continue
		}
		if gvk.Kind == "" {
			t.Errorf("no kind:\n%s", doc)
		}
		objs = append(objs, obj)
	}
	return objs
}

// The chart renders, for every values file in its ci/ folder, manifests that decode strictly
// into the Kubernetes API types and hang together: selectors match the pods, probes and
// drain agree, every secret reference resolves.
func TestHelmChartRendersValidManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(chart, "ci", "*-values.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ci/*-values.yaml: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs := decodeAll(t, render(t, f))
			checkCoherent(t, objs, strings.Contains(f, "all-on"))
		})
	}
}

func checkCoherent(t *testing.T, objs []runtime.Object, allOn bool) {
	t.Helper()
	var dep *appsv1.Deployment
	kinds := map[string]int{}
	secrets := map[string]*corev1.Secret{}
	for _, o := range objs {
		kinds[fmt.Sprintf("%T", o)]++
		switch v := o.(type) {
		case *appsv1.Deployment:
			dep = v
		case *corev1.Secret:
			secrets[v.Name] = v
		}
	}
	if dep == nil {
		t.Fatal("no Deployment")
	}
	pod := labels.Set(dep.Spec.Template.Labels)
	sel := labels.SelectorFromSet(dep.Spec.Selector.MatchLabels)
	if !sel.Matches(pod) {
		t.Errorf("the Deployment's selector does not match its pods")
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe %+v, want GET /readyz", c.ReadinessProbe)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v, want GET /healthz", c.LivenessProbe)
	}
	// The node drains for up to 15 s after SIGTERM (node.Config.ShutdownGrace); preStop runs first.
	grace, preStop := *dep.Spec.Template.Spec.TerminationGracePeriodSeconds, int64(0)
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		preStop = c.Lifecycle.PreStop.Sleep.Seconds
	}
	if grace < preStop+15+5 {
		t.Errorf("terminationGracePeriodSeconds %d < preStop %d + 15 s drain + 5 s margin", grace, preStop)
	}
	sc := c.SecurityContext
	psc := dep.Spec.Template.Spec.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("the pod must run as non-root on a read-only root file system")
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Error("memory requests and limits and a CPU request are required (sized from docs/benchmarks.md)")
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
		if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
			s, ok := secrets[ref.SecretKeyRef.Name]
			switch {
			case !ok && ref.SecretKeyRef.Name != "fechatter-secrets": // ci/all-on-values.yaml's existing secret
				t.Errorf("%s reads Secret %s, which is neither rendered nor the existing one", e.Name, ref.SecretKeyRef.Name)
			case ok && s.Data[ref.SecretKeyRef.Key] == nil && (ref.SecretKeyRef.Optional == nil || !*ref.SecretKeyRef.Optional):
				t.Errorf("%s reads key %s, which Secret %s lacks", e.Name, ref.SecretKeyRef.Key, s.Name)
			}
		}
		if strings.Contains(strings.ToLower(e.Name), "secret") && e.Value != "" {
			t.Errorf("%s is a literal value, not a secret reference", e.Name)
		}
	}
	for _, must := range []string{"DATABASE_URL", "NATS_URL", "REDIS_URL", "FECHATTER_JWT_SECRET", "FECHATTER_METRICS_ADDR"} {
		if _, ok := env[must]; !ok {
			t.Errorf("no %s", must)
		}
	}
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.Service:
			if !labels.SelectorFromSet(v.Spec.Selector).Matches(pod) {
				t.Errorf("Service %s selects no pod", v.Name)
			}
		case *policyv1.PodDisruptionBudget:
			if !labels.SelectorFromSet(v.Spec.Selector.MatchLabels).Matches(pod) {
				t.Errorf("PodDisruptionBudget %s selects no pod", v.Name)
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			if v.Spec.ScaleTargetRef.Name != dep.Name || dep.Spec.Replicas != nil {
				t.Errorf("the HPA must target the Deployment, which then sets no replicas")
			}
		case *networkingv1.Ingress:
			a := v.Annotations
			if a["nginx.ingress.kubernetes.io/proxy-read-timeout"] != "3600" || a["nginx.ingress.kubernetes.io/proxy-buffering"] != "off" {
				t.Errorf("the Ingress keeps neither sockets open nor SSE unbuffered: %v", a)
			}
		case *monitoringv1.ServiceMonitor:
			if len(v.Spec.Endpoints) != 1 || v.Spec.Endpoints[0].Port != "metrics" {
				t.Errorf("ServiceMonitor endpoints %+v, want the metrics port", v.Spec.Endpoints)
			}
		case *monitoringv1.PrometheusRule:
			if len(v.Spec.Groups) == 0 || len(v.Spec.Groups[0].Rules) < 5 {
				t.Errorf("PrometheusRule has no alerts")
			}
		}
	}
	want := []string{"*v1.Deployment", "*v1.Service", "*v1.PodDisruptionBudget"}
	if allOn {
		want = append(want, "*v2.HorizontalPodAutoscaler", "*v1.Ingress", "*v1.ServiceMonitor", "*v1.PrometheusRule")
	} else {
		want = append(want, "*v1.Secret")
	}
	for _, k := range want {
		if kinds[k] == 0 {
			t.Errorf("no %s rendered (got %v)", k, kinds)
		}
	}
}

// Without the engines the chart refuses to render, saying what is missing.
func TestHelmChartRequiresEngines(t *testing.T) {
	out, err := exec.Command(helm(t), "template", "fechatter", chart, "--kube-version", kubeVersion).CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("database.url is required")) {
		t.Fatalf("rendered without engines: %v\n%s", err, out)
	}
}

// The strict decoder can fail: a misspelt field is refused.
func TestStrictDecodeRejectsUnknownFields(t *testing.T) {
	_, _, err := decoder().Decode([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selectr: {a: b}\n"), nil, nil)
	if err == nil {
		t.Fatal("accepted spec.selectr")
	}
}

// The chart's PrometheusRule carries deploy/prometheus/alerts.yml, the file promtool tests.
func TestChartAlertsAreThePrometheusAlerts(t *testing.T) {
	a, err := os.ReadFile("../prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(chart, "files", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("deploy/helm/fechatter/files/alerts.yml differs from deploy/prometheus/alerts.yml: cp deploy/prometheus/alerts.yml deploy/helm/fechatter/files/")
	}
}
