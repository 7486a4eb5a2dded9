"""deploy/grafana/pazhou.json: a Grafana dashboard that imports cleanly and asks only for what a
node exports.

The structure Grafana's import needs (uid, title, schema version, the DS_PROMETHEUS input every
panel and target and the instance variable refer to, panels on the 24-column grid without
overlaps); every metric name in every expr present in a live node's /metrics (a node with
recursion and registry statistics on, after UDP, TCP, HTTP, recursive and malformed requests),
with the labels the expr groups or filters by and the label values it matches; and every expr
parsing as PromQL with promtool (the prometheus package), skipped when promtool is not
installed."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from pazhou_node import Node, free_port, resolution, scaled

DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy",
                         "grafana", "pazhou.json")
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
# Labels Prometheus adds to every scraped series; the node does not export them.
TARGET_LABELS = {"instance", "job"}
FUNCTIONS_AND_KEYWORDS = {
    "sum", "rate", "irate", "increase", "histogram_quantile", "avg", "max", "min", "count",
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "clamp_min", "topk", "inf", "nan"}


def graph_panels(dash):
    """Every panel with queries, rows' collapsed panels included."""
    out = []
    for p in dash["panels"]:
        out.append(p)
        out.extend(p.get("panels", []))
    return [p for p in out if p["type"] not in ("row", "text")]


def exprs(dash):
    return [(p["title"], t["expr"]) for p in graph_panels(dash) for t in p["targets"]]


def concrete(expr):
    """The expr as Prometheus receives it from Grafana: variables replaced."""
    return (expr.replace("$__rate_interval", "1m").replace("${instance}", ".*")
            .replace("$instance", ".*"))


def metric_names(expr):
    """The series names a PromQL expr selects: identifiers left once strings, label matchers,
    ranges, grouping clauses and function calls are taken out."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?", e):
        word, call = m.group(0).split("(")[0].strip(), m.group(1)
        if call or word in FUNCTIONS_AND_KEYWORDS:
            continue
        names.add(word)
    return names


def selectors(expr):
    """(name, [(label, op, value)]) of every selector with matchers."""
    out = []
    for m in re.finditer(r"([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}", expr):
        matchers = re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', m.group(2))
        out.append((m.group(1), matchers))
    return out


def grouping_labels(expr):
    """The labels of every by (...) clause."""
    labels = set()
    for m in re.finditer(r"\bby\s*\(([^)]*)\)", expr):
        labels.update(x.strip() for x in m.group(1).split(",") if x.strip())
    return labels


def parse_scrape(text):
    """{name: [labels dict, ...]} of a Prometheus text exposition."""
    series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? \S+$", line)
        assert m, "a line that is not a sample: %r" % line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        series.setdefault(m.group(1), []).append(labels)
    return series


class DashboardStructure(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD) as f:
            cls.dash = json.load(f)

    def test_dashboard_has_what_import_needs(self):
        d = self.dash
        self.assertEqual(d["uid"], "pazhou-node")
        self.assertEqual(d["title"], "Pazhou node")
        self.assertIsNone(d["id"])
        self.assertGreaterEqual(d["schemaVersion"], 36)
        self.assertEqual([(i["name"], i["type"], i["pluginId"]) for i in d["__inputs"]],
                         [("DS_PROMETHEUS", "datasource", "prometheus")])
        required = {(r["type"], r["id"]) for r in d["__requires"]}
        self.assertIn(("datasource", "prometheus"), required)
        for kind in {p["type"] for p in graph_panels(d)} | {"text"}:
            self.assertIn(("panel", kind), required)

    def test_instance_variable_queries_the_input_datasource(self):
        variables = {v["name"]: v for v in self.dash["templating"]["list"]}
        self.assertEqual(set(variables), {"instance"})
        v = variables["instance"]
        self.assertEqual(v["type"], "query")
        self.assertEqual(v["datasource"], DS)
        self.assertEqual(v["query"]["query"], "label_values(pazhou_workers, instance)")
        self.assertTrue(v["includeAll"])
        self.assertEqual(v["allValue"], ".*")

    def test_every_panel_and_target_uses_the_input_datasource(self):
        panels = graph_panels(self.dash)
        self.assertGreaterEqual(len(panels), 20)
        for p in panels:
            self.assertEqual(p["type"], "timeseries", p["title"])
            self.assertEqual(p["datasource"], DS, p["title"])
            self.assertTrue(p["targets"], p["title"])
            refs = [t["refId"] for t in p["targets"]]
            self.assertEqual(len(refs), len(set(refs)), p["title"])
            for t in p["targets"]:
                self.assertEqual(t["datasource"], DS, p["title"])
                self.assertTrue(t["expr"].strip(), p["title"])
                self.assertIn('instance=~"$instance"', t["expr"], p["title"])

    def test_panels_tile_the_grid(self):
        ids = [p["id"] for p in self.dash["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        cells = {}
        for p in self.dash["panels"]:
            g = p["gridPos"]
            self.assertTrue(0 <= g["x"] and g["w"] > 0 and g["x"] + g["w"] <= 24, p["title"])
            self.assertGreater(g["h"], 0, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, "%s overlaps %s" % (p["title"],
                                                                      cells.get((x, y))))
                    cells[(x, y)] = p["title"]

    def test_rows_name_the_areas(self):
        rows = [p["title"] for p in self.dash["panels"] if p["type"] == "row"]
        self.assertEqual(rows, ["Requests", "Caches", "Recursion", "Registry",
                                "HTTP and connections", "Limits", "Errors", "Process",
                                "Replication"])

    def test_metric_names_are_found_in_exprs(self):
        # The extraction the live check relies on finds names and nothing else.
        self.assertEqual(metric_names('histogram_quantile(0.9, sum by (frontend, le) (rate('
                                      'a_bucket{instance=~"$x",rc!="b c"}[5m]))) / b_total'),
                         {"a_bucket", "b_total"})
        self.assertEqual(grouping_labels("sum by (opcode, rc) (x) / sum by (kind) (y)"),
                         {"opcode", "rc", "kind"})

    def test_promql_parses(self):
        promtool = shutil.which("promtool")
        if not promtool:
            self.skipTest("promtool is not installed (Debian package prometheus)")
        tmp = tempfile.mkdtemp(prefix="pazhou-dash-")
        try:
            path = os.path.join(tmp, "rules.yml")
            with open(path, "w") as f:
                f.write("groups:\n  - name: dashboard\n    rules:\n")
                for i, (_, e) in enumerate(exprs(self.dash)):
                    f.write("      - record: dashboard:expr_%d\n        expr: %s\n"
                            % (i, json.dumps(concrete(e))))
            p = subprocess.run([promtool, "check", "rules", path], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("SUCCESS: %d rules found" % len(exprs(self.dash)), p.stdout + p.stderr)
            # And promtool does reject what is not PromQL, so the check above means something.
            with open(path, "w") as f:
                f.write("groups:\n  - name: bad\n    rules:\n      - record: bad:x\n"
                        "        expr: 'sum by (frontend (rate(x[1m]))'\n")
            p = subprocess.run([promtool, "check", "rules", path], capture_output=True,
                               text=True, timeout=60)
            self.assertNotEqual(p.returncode, 0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class DashboardAgainstNode(unittest.TestCase):
    """Every name, label and matched value of the dashboard in a real scrape."""

    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD) as f:
            cls.dash = json.load(f)
        # A root no one answers at: recursive requests fail, counted by kind and timed.
        cls.node = Node([{"handle": "88.100.1/DASH-1", "values": [
            {"index": 1, "type": "URL", "data": "https://example.com/dash/1"}]}],
            extra_conf='registry = { statistics = true; };\n'
                       'resolver = { recursion = true; root = [ "127.0.0.1:%d" ]; '
                       'timeout_ms = 300; upstream_timeout_ms = 100; };\n' % free_port())
        try:
            cls.node.start()
            cls.drive()
            cls.text = cls.get("/metrics")
            cls.scrape = parse_scrape(cls.text)
        except BaseException:
            cls.node.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    @classmethod
    def get(cls, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (cls.node.http_port, path),
                                        timeout=scaled(10)) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            return e.read().decode()

    @classmethod
    def drive(cls):
        n = cls.node
        for _ in range(3):
            n.udp(resolution("88.100.1/DASH-1"))
            n.udp(resolution("88.100.1/NOT-THERE"))
        n.tcp(resolution("88.100.1/DASH-1"))
        cls.get("/api/handles/88.100.1/DASH-1")
        cls.get("/no/such/page")
        n.udp(resolution("77.1/ELSEWHERE"), timeout=5)  # recursion: the root never answers
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.sendto(b"\x02\x0a" + b"\xff" * 30, ("127.0.0.1", n.port))
        finally:
            s.close()
        # Another worker may serve the scrape before the datagram's worker has counted it: wait
        # until it has (so the metrics route has also answered once before the scrape).
        deadline = time.monotonic() + scaled(5)
        while not re.search(r"(?m)^pazhou_malformed_requests_total [1-9]", cls.get("/metrics")):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)

    def test_scrape_has_the_driven_series(self):
        # The requests above are there: the check below runs against labelled series.
        fronts = {s["frontend"] for s in self.scrape["pazhou_requests_total"]}
        self.assertEqual(fronts, {"udp", "tcp", "http"})
        self.assertIn("pazhou_registry_block_cache_hits_total", self.scrape)
        failed = sum(int(v) for v in re.findall(
            r'^pazhou_recursion_failures_total\{kind="(?:timeout|unreachable)"\} (\d+)$',
            self.text, re.M))
        self.assertGreaterEqual(failed, 1)
        self.assertRegex(self.text, r"(?m)^pazhou_malformed_requests_total [1-9]")

    def test_every_metric_name_is_exported(self):
        used = set()
        for title, e in exprs(self.dash):
            names = metric_names(concrete(e))
            self.assertTrue(names, "%s: no metric in %r" % (title, e))
            used |= names
            for name in names:
                self.assertTrue(name in self.scrape, "%s: %s is not in /metrics" % (title, name))
        self.assertIn("pazhou_workers", self.scrape)  # the instance variable's query
        self.assertGreaterEqual(len(used), 45)

    def test_labels_and_matched_values_are_exported(self):
        for title, e in exprs(self.dash):
            names = metric_names(concrete(e))
            exported = {k for n in names for s in self.scrape[n] for k in s} | TARGET_LABELS
            for label in grouping_labels(e):
                self.assertIn(label, exported, "%s: no series has %s" % (title, label))
            for name, matchers in selectors(e):
                for label, op, value in matchers:
                    if label in TARGET_LABELS:
                        continue
                    values = {s.get(label) for s in self.scrape[name]}
                    self.assertNotEqual(values, {None}, "%s: %s has no %s" % (title, name, label))
                    if op in ("=", "!="):
                        self.assertIn(value, values, "%s: %s{%s=%r}" % (title, name, label,
                                                                        value))


if __name__ == "__main__":
    unittest.main()
