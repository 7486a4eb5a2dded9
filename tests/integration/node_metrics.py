"""/metrics read back by the tests of limits (test_limits, test_flood)."""
import http.client
import re


def scrape(node):
    """The text of /metrics, read from another source address (127.0.0.2) than the tests' own
    connections: connections a test just closed may still hold their slots of the per-source cap
    for a moment (the node sees a close asynchronously), and a scrape refused for that would
    itself be counted as a refusal."""
    c = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=10,
                                   source_address=("127.0.0.2", 0))
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        if r.status != 200:
            raise AssertionError("/metrics answered %d" % r.status)
        return r.read().decode()
    finally:
        c.close()


def metrics(node):
    """/metrics as {name: value} for the unlabelled samples."""
    body = scrape(node)
    out = {}
    for line in body.splitlines():
        m = re.match(r"^([a-z_]+) ([0-9.e+]+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def udp_success_count(node):
    body = scrape(node)
    m = re.search(r'pazhou_requests_total\{frontend="udp",opcode="resolution",rc="success"\} '
                  r'(\d+)', body)
    return int(m.group(1)) if m else 0
